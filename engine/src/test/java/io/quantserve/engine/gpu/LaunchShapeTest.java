package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LaunchShapeTest {

    @Test
    void shouldDescribeGridBlockAndSharedMemory() {
        assertThat(new LaunchShape(4, 2, 1, 256, 1, 1, 128).describe())
                .isEqualTo("grid (4, 2, 1) block (256, 1, 1) shared 128 B");
    }

    @Test
    void shouldRejectBlocksOverCudasThreadLimit() {
        assertThatThrownBy(() -> new LaunchShape(1, 1, 1, 64, 32, 1, 0))
                .hasMessageContaining("block (64, 32, 1)").hasMessageContaining("1024 threads");
        assertThatThrownBy(() -> LaunchShape.of(0, 32)).hasMessageContaining("grid (0, 1, 1)");
        assertThatThrownBy(() -> new LaunchShape(1, 65536, 1, 32, 1, 1, 0)).hasMessageContaining("65535");
        // over 48 KB a kernel must opt in (Kernel.launch does); over 227 KB no device has it
        assertThat(new LaunchShape(1, 1, 1, 32, 1, 1, 80 * 1024).sharedBytes()).isEqualTo(80 * 1024);
        assertThatThrownBy(() -> new LaunchShape(1, 1, 1, 32, 1, 1, 228 * 1024)).hasMessageContaining("shared memory")
                .hasMessageContaining(String.valueOf(227 * 1024));
    }

    @Test
    void shouldCoverEveryElementOnceOrCapTheGridForTheStrideLoop() {
        // 1000 values, 8 per thread, 256 threads: 125 threads of work fit in one block
        assertThat(LaunchShape.gridStride(1000, 8, 256, 100)).isEqualTo(LaunchShape.of(1, 256));
        // 8 * 256 * 3 + 1 values need 4 blocks
        assertThat(LaunchShape.gridStride(8 * 256 * 3 + 1, 8, 256, 100).gridX()).isEqualTo(4);
        assertThat(LaunchShape.gridStride(1L << 40, 8, 256, 2112).gridX()).isEqualTo(2112);
        assertThatThrownBy(() -> LaunchShape.gridStride(0, 8, 256, 10)).hasMessageContaining("0 elements");
    }

    @Test
    void shouldShapeRowKernelsInWholeWarps() {
        assertThat(GpuKernels.normShape(3, 4096)).isEqualTo(LaunchShape.of(3, 512));
        assertThat(GpuKernels.normShape(1, 7)).isEqualTo(LaunchShape.of(1, 32));
        assertThat(GpuKernels.normShape(2, 16384)).isEqualTo(LaunchShape.of(2, 1024));
        // 32 query + 8 key heads of 128: 2560 pairs, 4 a thread; Llama-2-7B's 4096 pairs: 1024 threads, the most
        assertThat(ModelKernels.ropeQkvShape(5, 32, 8, 128)).isEqualTo(LaunchShape.of(5, 640));
        assertThat(ModelKernels.ropeQkvShape(2, 32, 32, 128)).isEqualTo(LaunchShape.of(2, 1024));
        assertThat(ModelKernels.ropeQkvShape(2, 64, 64, 128)).isEqualTo(LaunchShape.of(2, 1024));
        assertThat(ModelKernels.ropeQkvShape(1, 1, 1, 6)).isEqualTo(LaunchShape.of(1, 32));
        assertThat(GpuKernels.rowCopyShape(7, 74)).isEqualTo(LaunchShape.of(7, 32));
    }
}
