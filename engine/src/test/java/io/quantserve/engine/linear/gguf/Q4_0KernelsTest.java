package io.quantserve.engine.linear.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

class Q4_0KernelsTest {
    /** The bit-level conversion of the block scales against the JDK's, for all 65536 halves (NaN only as NaN). */
    @Test
    void scalesMatchTheJdkForEveryHalf() {
        assumeTrue(Q4_0Kernels.usable(), "needs 512-bit vectors");
        short[] halves = new short[1 << 16];
        for (int i = 0; i < halves.length; i++) {
            halves[i] = (short) i;
        }
        // from offset 16 over 65536 - 16 + 15: the vector loop, then a scalar tail of 15
        float[] out = new float[halves.length - 1];
        short[] shifted = new short[16 + out.length];
        System.arraycopy(halves, 0, shifted, 16, out.length);
        Q4_0Kernels.scales(shifted, 16, out, 0, out.length, new float[out.length]);
        for (int i = 0; i < out.length; i++) {
            float expected = Float.float16ToFloat(halves[i]);
            if (Float.isNaN(expected)) {
                assertThat(out[i]).as("half 0x%04x", i).isNaN();
            } else {
                assertThat(Float.floatToRawIntBits(out[i])).as("half 0x%04x", i)
                        .isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
    }
}
