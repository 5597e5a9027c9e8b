package io.quantserve.engine.linear.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jdk.incubator.vector.ShortVector;
import org.junit.jupiter.api.Test;

class Q4_0KernelsTest {
    /** The bit-level conversion of the block scales against the JDK's, for all 65536 halves (NaN only as NaN). */
    @Test
    void halfToFloatMatchesTheJdkForEveryHalf() {
        assumeTrue(Q4_0Kernels.usable(), "needs 512-bit vectors");
        short[] halves = new short[1 << 16];
        for (int i = 0; i < halves.length; i++) {
            halves[i] = (short) i;
        }
        float[] out = new float[16];
        for (int i = 0; i < halves.length; i += 16) {
            Q4_0Kernels.halfToFloat(ShortVector.fromArray(ShortVector.SPECIES_256, halves, i)).intoArray(out, 0);
            for (int j = 0; j < 16; j++) {
                float expected = Float.float16ToFloat(halves[i + j]);
                if (Float.isNaN(expected)) {
                    assertThat(out[j]).as("half 0x%04x", i + j).isNaN();
                } else {
                    assertThat(Float.floatToRawIntBits(out[j])).as("half 0x%04x", i + j)
                            .isEqualTo(Float.floatToRawIntBits(expected));
                }
            }
        }
    }
}
