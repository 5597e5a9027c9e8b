package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AwqTokensPlanTest {

    @Test
    void shouldCoverEightTokensOfALlama7bProjectionInOneWave() {
        AwqTokensPlan plan = AwqTokensPlan.of(8, 4096, 4096, 132);
        assertThat(plan.tokensPerBlock()).isEqualTo(8);
        assertThat(plan.tokenGroups()).isEqualTo(1);
        assertThat(plan.tiles()).isEqualTo(16);
        assertThat(plan.splits()).isEqualTo(16);
        assertThat(plan.rowsPerSplit()).isEqualTo(256);
        assertThat(plan.shape()).isEqualTo(new LaunchShape(16, 16, 1, 256, 1, 1, 4 * 256 * 8));
        assertThat(plan.workspaceBytes(8, 4096)).isEqualTo(4L * 16 * 8 * 4096);
        // 32 tokens: four groups of eight share the wave
        AwqTokensPlan wide = AwqTokensPlan.of(32, 4096, 4096, 132);
        assertThat(wide.tokenGroups()).isEqualTo(4);
        assertThat((long) wide.tiles() * wide.splits() * wide.tokenGroups()).isLessThanOrEqualTo(2L * 132);
    }

    @Test
    void shouldPickTheSmallestVariantThatHoldsTheTokens() {
        AwqTokensPlan one = AwqTokensPlan.of(1, 4096, 4096, 132);
        assertThat(one.tokensPerBlock()).isEqualTo(1);
        // four blocks a multiprocessor: 16 tiles x 32 slices of 128 rows, within the 528 of one wave
        assertThat(one.tiles()).isEqualTo(16);
        assertThat(one.splits()).isEqualTo(32);
        assertThat(one.rowsPerSplit()).isEqualTo(128);
        assertThat(AwqTokensPlan.of(2, 64, 64, 132).tokensPerBlock()).isEqualTo(2);
        assertThat(AwqTokensPlan.of(3, 64, 64, 132).tokensPerBlock()).isEqualTo(4);
        assertThat(AwqTokensPlan.of(5, 64, 64, 132).tokensPerBlock()).isEqualTo(8);
        AwqTokensPlan nine = AwqTokensPlan.of(9, 64, 64, 132);
        assertThat(nine.tokensPerBlock()).isEqualTo(8);
        assertThat(nine.tokenGroups()).isEqualTo(2);
    }

    @Test
    void shouldCoverEveryRowWithTheStagedXWithinItsSharedMemory() {
        Random random = new Random(11);
        for (int i = 0; i < 2000; i++) {
            int m = 1 + random.nextInt(40);
            int k = 1 + random.nextInt(30000);
            int n = 8 * (1 + random.nextInt(20000));
            AwqTokensPlan p = AwqTokensPlan.of(m, k, n, 1 + random.nextInt(200));
            assertThat(p.rowsPerSplit() % 32).isZero();
            assertThat((long) p.splits() * p.rowsPerSplit()).isGreaterThanOrEqualTo(k);
            assertThat((long) (p.splits() - 1) * p.rowsPerSplit()).isLessThan(k);
            assertThat(p.tokenGroups() * p.tokensPerBlock()).isGreaterThanOrEqualTo(m);
            assertThat((p.tokenGroups() - 1) * p.tokensPerBlock()).isLessThan(m);
            assertThat(p.shape().sharedBytes()).isLessThanOrEqualTo(32 * 1024);
            assertThat(p.tiles() * 32).isGreaterThanOrEqualTo(n / 8);
        }
    }

    @Test
    void shouldRejectOutputsThatDoNotFillWholeWords() {
        assertThatThrownBy(() -> AwqTokensPlan.of(4, 128, 12, 132)).hasMessageContaining("multiple of 8");
    }
}
