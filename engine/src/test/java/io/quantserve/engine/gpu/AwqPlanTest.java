package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AwqPlanTest {

    @Test
    void shouldSplitALlama7bProjectionIntoOneWaveOfBlocks() {
        AwqPlan plan = AwqPlan.of(4096, 4096, 132);
        assertThat(plan.tiles()).isEqualTo(16);           // 512 words / 32
        assertThat(plan.rowsPerSplit()).isEqualTo(256);
        assertThat(plan.splits()).isEqualTo(16);          // 256 blocks: two per multiprocessor, one wave
        assertThat(plan.partialShape()).isEqualTo(new LaunchShape(16, 16, 1, 256, 1, 1, 0));
        assertThat(plan.workspaceBytes(4096)).isEqualTo(4L * 16 * 4096);
        // the MLP's shapes: never more blocks than the device holds at once, and nearly that many
        for (int[] kn : new int[][] {{4096, 11008}, {11008, 4096}, {4096, 32000}}) {
            AwqPlan p = AwqPlan.of(kn[0], kn[1], 132);
            long blocks = (long) p.tiles() * p.splits();
            assertThat(blocks).as("%d->%d", kn[0], kn[1]).isLessThanOrEqualTo(2L * 132).isGreaterThan(2L * 132 - p.tiles());
        }
    }

    @Test
    void shouldCoverEveryRowAndWordExactlyWithWholeSteps() {
        Random random = new Random(7);
        for (int i = 0; i < 2000; i++) {
            int k = 1 + random.nextInt(20000);
            int n = 8 * (1 + random.nextInt(3000));
            int sms = 1 + random.nextInt(200);
            AwqPlan p = AwqPlan.of(k, n, sms);
            assertThat(p.rowsPerSplit() % 32).isZero();
            assertThat(p.rowsPerSplit()).isLessThanOrEqualTo(AwqPlan.MAX_ROWS_PER_SPLIT);
            assertThat((long) p.splits() * p.rowsPerSplit()).isGreaterThanOrEqualTo(k);
            assertThat((long) (p.splits() - 1) * p.rowsPerSplit()).isLessThan(k);   // no empty slice
            assertThat(p.tiles() * 32).isGreaterThanOrEqualTo(n / 8);
            assertThat((p.tiles() - 1) * 32).isLessThan(n / 8);
        }
    }

    @Test
    void shouldSplitALongKOverManyTilesSoThatTheRingKernelsXSliceFitsSharedMemory() {
        AwqPlan lmHead = AwqPlan.of(16384, 128256, 132);   // 501 tiles: more than one wave already
        assertThat(lmHead.splits()).isEqualTo(2);
        assertThat(lmHead.rowsPerSplit()).isEqualTo(8192);
        assertThat(AwqGemvKernel.RING.shape(lmHead).sharedBytes()).isEqualTo(16384);
        assertThat(AwqGemvKernel.REGISTERS.shape(lmHead).sharedBytes()).isZero();
        assertThat(AwqPlan.of(4096, 128256, 132).splits()).isEqualTo(1);
    }

    @Test
    void shouldRejectOutputsThatDoNotFillWholeWords() {
        assertThatThrownBy(() -> AwqPlan.of(128, 12, 132)).hasMessageContaining("multiple of 8");
    }
}
