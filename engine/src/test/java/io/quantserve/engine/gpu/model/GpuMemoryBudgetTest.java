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
    void aBatchStateTakesItsActivationRowsAndTheWorkspace() {
        ModelConfig c = SyntheticModels.byName("llama-7b");
        // x, xb, xb2, normed; qkv (q, k, v), q, att; gate_up, hb; fp32 logits; ids, wanted, sampled; sampling row
        long perRow = 2L * (4 * 4096 + (3 * 4096 + 4096) + 4096 + 2 * 11008 + 11008) + 4L * 32000 + 12 + 24;
        assertThat(GpuBatchState.bytes(c, ActivationType.F16, 2048, 64 * MIB, MIB)).isEqualTo(2048 * perRow + 65 * MIB);
        // a 7B model's state for a 2048-token step: ~0.5 GiB, a little of an 80 GiB device
        assertThat(GpuBatchState.bytes(c, ActivationType.F16, 2048, 0, 0)).isBetween(400 * MIB, 600 * MIB);
    }
}
