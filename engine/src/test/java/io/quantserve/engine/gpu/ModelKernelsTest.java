package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelKernelsTest {

    @Test
    void prefillTilesFitTheDefaultSharedMemoryUpToTheLargestHeadDim() {
        LaunchShape shape = ModelKernels.prefillShape(100, 32, ModelKernels.MAX_HEAD_DIM, ActivationType.F16);
        assertThat(shape.sharedBytes()).isEqualTo((2 * 32 * 258 + 16 * 256) * 2).isLessThanOrEqualTo(48 * 1024);
        assertThat(shape.gridX()).isEqualTo(7);
        assertThat(shape.gridY()).isEqualTo(32);
    }

    @Test
    void decodeTakesOneBlockPerHeadAndItem() {
        LaunchShape shape = ModelKernels.decodeShape(5, 32);
        assertThat(shape.gridX()).isEqualTo(32);
        assertThat(shape.gridY()).isEqualTo(5);
        assertThat(shape.blockX()).isEqualTo(128);
    }

    @Test
    void denseCoversEveryColumnAndRow() {
        LaunchShape shape = ModelKernels.denseShape(17, 4097);
        assertThat(shape.gridX()).isEqualTo(513);
        assertThat(shape.gridY()).isEqualTo(3);
    }

    @Test
    void attentionGeometryTheKernelsCannotRunIsRefused() {
        assertThatThrownBy(() -> new ModelKernels.Attention(8, 3, 64, 16, 0, 0.125f)).hasMessageContaining("multiple");
        assertThatThrownBy(() -> new ModelKernels.Attention(8, 8, 258, 16, 0, 0.1f)).hasMessageContaining("256");
        assertThatThrownBy(() -> new ModelKernels.Attention(8, 8, 7, 16, 0, 0.1f)).hasMessageContaining("even");
    }
}
