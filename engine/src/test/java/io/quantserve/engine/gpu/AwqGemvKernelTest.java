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
                .hasMessageContaining("[registers, ring]");
    }

    @Test
    void shouldLaunchBothOnThePlansGridTheRingWithItsXSliceInSharedMemory() {
        AwqPlan plan = AwqPlan.of(11008, 4096, 132);
        LaunchShape registers = AwqGemvKernel.REGISTERS.shape(plan);
        LaunchShape ring = AwqGemvKernel.RING.shape(plan);
        assertThat(registers).isEqualTo(plan.partialShape());
        assertThat(ring.gridX()).isEqualTo(registers.gridX());
        assertThat(ring.gridY()).isEqualTo(registers.gridY());
        assertThat(ring.blockX()).isEqualTo(256);
        assertThat(ring.sharedBytes()).isEqualTo(2 * plan.rowsPerSplit());
    }
}
