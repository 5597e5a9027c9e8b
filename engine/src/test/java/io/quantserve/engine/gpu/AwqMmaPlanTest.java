package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AwqMmaPlanTest {

    @Test
    void shouldFillOneWaveOfFourBlocksAMultiprocessorForALlama7bProjection() {
        AwqMmaPlan plan = AwqMmaPlan.of(1, 4096, 4096, 128, 132);
        assertThat(plan.tiles()).isEqualTo(16);
        assertThat(plan.tokenGroups()).isEqualTo(1);
        assertThat(plan.splits()).isEqualTo(32);         // 528 blocks wanted / 16 tiles, 4 stages of 32 rows each
        assertThat(plan.rowsPerSplit()).isEqualTo(128);
        assertThat(plan.shape()).isEqualTo(new LaunchShape(16, 32, 1, 128, 1, 1, 0));
        assertThat(plan.workspaceBytes(1, 4096)).isEqualTo(4L * 32 * 4096);
        assertThat(AwqMmaPlan.of(32, 4096, 4096, 128, 132).tokenGroups()).isEqualTo(4);
    }

    @Test
    void shouldTakeOnlyShapesTheKernelsPiecesFit() {
        assertThat(AwqMmaPlan.supports(4096, 11008, 128)).isTrue();
        assertThat(AwqMmaPlan.supports(4104, 4096, 128)).isFalse();   // K % 16
        assertThat(AwqMmaPlan.supports(4096, 4104, 128)).isFalse();   // N % 32
        assertThat(AwqMmaPlan.supports(4096, 4096, 8)).isFalse();     // group % 16
        assertThatThrownBy(() -> AwqMmaPlan.of(1, 4096, 4104, 128, 132)).hasMessageContaining("out_features of 32");
    }

    @Test
    void shouldCoverEveryRowInWholeStages() {
        Random random = new Random(5);
        for (int i = 0; i < 2000; i++) {
            int m = 1 + random.nextInt(40);
            int k = 16 * (1 + random.nextInt(2000));
            int n = 32 * (1 + random.nextInt(4000));
            AwqMmaPlan p = AwqMmaPlan.of(m, k, n, 16, 1 + random.nextInt(200));
            assertThat(p.rowsPerSplit() % 32).isZero();
            assertThat((long) p.splits() * p.rowsPerSplit()).isGreaterThanOrEqualTo(k);
            assertThat((long) (p.splits() - 1) * p.rowsPerSplit()).isLessThan(k);
            assertThat(p.tokenGroups() * 8).isGreaterThanOrEqualTo(m);
            assertThat(p.tiles() * 32L * 8).isGreaterThanOrEqualTo(n);
        }
    }
}
