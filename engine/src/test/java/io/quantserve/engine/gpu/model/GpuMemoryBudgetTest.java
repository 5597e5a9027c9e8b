package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.bench.SyntheticModels;
import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.model.ModelConfig;
import org.junit.jupiter.api.Test;

/** Device memory arithmetic of the GPU runner (no device needed). */
class GpuMemoryBudgetTest {
    private static final long MIB = 1 << 20;
    private static final long GIB = 1L << 30;

    @Test
    void theKvCacheGetsWhatIsFreeLessTheActivationsAndTheShareHeldBack() {
        // an 80 GiB device, 75 GiB free after the weights, 1 GiB of activations, 0.9: 8 GiB held back
        long budget = GpuBatchRunner.utilizationBudget(80 * GIB, 75 * GIB, GIB, 0.9, 8 * MIB);
        assertThat(budget).isEqualTo(75 * GIB - GIB - 8 * GIB);
        assertThat(GpuBatchRunner.utilizationBudget(80 * GIB, 75 * GIB, GIB, 1.0, 8 * MIB)).isEqualTo(74 * GIB);
    }

    @Test
    void aUtilizationThatLeavesNoBlockOrIsOutOfRangeIsRefusedWithTheNumbers() {
        assertThatThrownBy(() -> GpuBatchRunner.utilizationBudget(80 * GIB, 9 * GIB, GIB, 0.9, 8 * MIB))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.90").hasMessageContaining("81920 MiB").hasMessageContaining("9216 MiB are free")
                .hasMessageContaining("1024 MiB").hasMessageContaining("8192 KiB");
        assertThatThrownBy(() -> GpuBatchRunner.utilizationBudget(80 * GIB, 75 * GIB, GIB, 0, 8 * MIB))
                .hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> GpuBatchRunner.utilizationBudget(80 * GIB, 75 * GIB, GIB, 1.5, 8 * MIB))
                .hasMessageContaining("(0, 1]");
    }

    @Test
    void aBatchStateTakesItsActivationRowsItsLogitRowsAndTheWorkspace() {
        ModelConfig c = SyntheticModels.byName("llama-7b");
        // a token row: x, xb, xb2; qkv (q, k, v), q, att; gate_up, hb; ids, wanted
        long perRow = 2L * (3 * 4096 + (3 * 4096 + 4096) + 4096 + 2 * 11008 + 11008) + 8;
        // a logit row: normed, fp32 logits, the token drawn, its sampling row
        long perLogitRow = 2L * 4096 + 4L * 32000 + 4 + 24;
        assertThat(GpuBatchState.bytes(c, ActivationType.F16, 2048, 64, 64 * MIB, MIB))
                .isEqualTo(2048 * perRow + 64 * perLogitRow + 65 * MIB);
        // a 7B model's state for a 2048-token step of up to 64 sequences: ~0.26 GiB, a little of an 80 GiB device;
        // logits for every token would take 258 MiB more
        assertThat(GpuBatchState.bytes(c, ActivationType.F16, 2048, 64, 0, 0)).isBetween(260 * MIB, 270 * MIB);
        assertThat(GpuBatchState.bytes(c, ActivationType.F16, 2048, 2048, 0, 0)
                - GpuBatchState.bytes(c, ActivationType.F16, 2048, 64, 0, 0)).isEqualTo(1984 * perLogitRow);
    }

    @Test
    void logitRowsMustBeBetweenOneAndTheTokens() {
        ModelConfig c = SyntheticModels.byName("llama-7b");
        assertThatThrownBy(() -> GpuBatchState.bytes(c, ActivationType.F16, 16, 17, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 tokens with logits for 17 rows");
        assertThatThrownBy(() -> GpuBatchState.bytes(c, ActivationType.F16, 16, 0, 0, 0))
                .hasMessageContaining("at least 1");
    }
}
