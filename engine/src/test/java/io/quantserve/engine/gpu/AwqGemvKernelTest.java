package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AwqGemvKernelTest {

    @AfterEach
    void clear() {
        System.clearProperty(AwqGemvKernel.PROPERTY);
    }

    @Test
    void shouldRunTheRegisterKernelUnlessTheRingIsAskedFor() {
        assertThat(AwqGemvKernel.configured()).isEqualTo(AwqGemvKernel.REGISTERS);
        System.setProperty(AwqGemvKernel.PROPERTY, " Ring ");
        assertThat(AwqGemvKernel.configured()).isEqualTo(AwqGemvKernel.RING);
    }

    @Test
    void shouldNameTheChoicesWhenThePropertyNamesNoKernel() {
        System.setProperty(AwqGemvKernel.PROPERTY, "marlin");
        assertThatThrownBy(AwqGemvKernel::configured)
                .hasMessageContaining("quantserve.gpu.awq-gemv=marlin")
                .hasMessageContaining("[registers, prefetch, ring, ring1]");
    }

    @Test
    void shouldLaunchBothOnThePlansGridTheRingWithItsXSliceInSharedMemory() {
        AwqPlan plan = AwqPlan.of(11008, 4096, 132);
        LaunchShape registers = AwqGemvKernel.REGISTERS.shape(plan);
        LaunchShape ring = AwqGemvKernel.RING.shape(plan);
        assertThat(registers).isEqualTo(plan.partialShape());
        assertThat(AwqGemvKernel.PREFETCH.shape(plan)).as("no shared x slice").isEqualTo(registers);
        assertThat(AwqGemvKernel.PREFETCH.spec(false).name()).isEqualTo("awq_gemv_prefetch_f16");
        assertThat(ring.gridX()).isEqualTo(registers.gridX());
        assertThat(ring.gridY()).isEqualTo(registers.gridY());
        assertThat(ring.blockX()).isEqualTo(256);
        assertThat(ring.sharedBytes()).isEqualTo(2 * plan.rowsPerSplit());
    }

    @Test
    void shouldGiveTheOneBlockRingHalfTheSlicesOfTwiceTheRows() {
        AwqPlan two = AwqPlan.of(4096, 4096, 132, AwqGemvKernel.RING.blocksPerSm());
        AwqPlan one = AwqPlan.of(4096, 4096, 132, AwqGemvKernel.RING1.blocksPerSm());
        assertThat(two.splits()).isEqualTo(16);
        assertThat(one.splits()).isEqualTo(8);
        assertThat(one.rowsPerSplit()).isEqualTo(2 * two.rowsPerSplit());
        assertThat(AwqGemvKernel.RING1.spec(false)).isEqualTo(AwqGemvKernel.RING.spec(false));
        assertThat(AwqGemvKernel.RING.spec(true).name()).isEqualTo("awq_gemv_ring_f32");
        assertThat(AwqGemvKernel.REGISTERS.spec(false).name()).isEqualTo("awq_gemv_f16");
        assertThat(one.workspaceBytes(4096)).isLessThan(two.workspaceBytes(4096));
    }
}
