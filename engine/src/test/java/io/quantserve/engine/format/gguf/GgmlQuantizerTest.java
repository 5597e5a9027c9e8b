package io.quantserve.engine.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GgmlQuantizerTest {

    private static float[] gaussian(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian() * 0.02f;
        }
        return x;
    }

    @Test
    void q8_0BytesOfAKnownBlock() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = j - 16; // amax 16 at j = 0: d = 16 / 127, q = round((j - 16) * 127 / 16)
        }
        byte[] b = GgmlQuantizer.quantize(GgmlType.Q8_0, x, 0, 32);
        assertThat((short) ((b[0] & 0xFF) | (b[1] << 8))).isEqualTo(Float.floatToFloat16(16f / 127));
        for (int j = 0; j < 32; j++) {
            double v = (j - 16) * 127 / 16.0; // j = 8 gives -63.5: C's roundf takes it to -64
            assertThat(b[2 + j]).as("q" + j).isEqualTo((byte) (Math.signum(v) * Math.floor(Math.abs(v) + 0.5)));
        }
    }

    @Test
    void roundingIsHalfAwayFromZeroAsRoundf() {
        assertThat(GgmlQuantizer.roundf(2.5f)).isEqualTo(3);
        assertThat(GgmlQuantizer.roundf(-2.5f)).isEqualTo(-3);
        assertThat(GgmlQuantizer.roundf(0.49999997f)).isZero();
        assertThat(GgmlQuantizer.roundf(-0.5f)).isEqualTo(-1);
    }

    @Test
    void q4_0BytesOfAKnownBlock() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = j - 8; // the largest magnitude is 23 (j = 31), positive: d = -23 / 8, it maps to q = 0
        }
        byte[] b = GgmlQuantizer.quantize(GgmlType.Q4_0, x, 0, 32);
        float d = -23f / 8;
        assertThat((short) ((b[0] & 0xFF) | (b[1] << 8))).isEqualTo(Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) ((j - 8) / d + 8.5f));
            int hi = Math.min(15, (int) ((j + 8) / d + 8.5f));
            assertThat(b[2 + j] & 0xFF).as("byte " + j).isEqualTo(lo | hi << 4);
        }
        assertThat(b[2 + 15] >>> 4 & 0xF).isZero();
    }

    @Test
    void roundTripErrorsStayWithinHalfAStepForQ8AndOneStepForQ4() {
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0}) {
            float[] x = gaussian(32 * 40, 3);
            x[5] = 0; // an all-zero block must give zeros, not NaN
            java.util.Arrays.fill(x, 64, 96, 0f);
            byte[] q = GgmlQuantizer.quantize(type, x, 0, x.length);
            float[] back = new float[x.length];
            GgmlDequantizer.dequantize(type, MemorySegment.ofArray(q), 0, back, 0, x.length);
            for (int b = 0; b < x.length / 32; b++) {
                float d = Math.abs(GgmlDequantizer.f16(MemorySegment.ofArray(q), (long) b * type.blockBytes()));
                // half a step from rounding, plus the scale's own f16 rounding (2^-11 relative, times |q| <= 127);
                // Q4_0 clamps +8 steps to 7, a full step
                double bound = type == GgmlType.Q8_0 ? 0.5 * d + 127 * d / 2048 : 1.0 * d + 8 * d / 2048;
                for (int j = b * 32; j < b * 32 + 32; j++) {
                    assertThat((double) Math.abs(back[j] - x[j])).as(type + " element " + j).isLessThanOrEqualTo(bound + 1e-12);
                }
            }
            for (int j = 64; j < 96; j++) {
                assertThat(back[j]).isZero();
            }
        }
    }

    @Test
    void floatTypesRoundTrip() {
        float[] x = {1.5f, -2.25f, 1e-3f, 65504f};
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            byte[] q = GgmlQuantizer.quantize(type, x, 0, x.length);
            float[] back = new float[x.length];
            GgmlDequantizer.dequantize(type, MemorySegment.ofArray(q), 0, back, 0, x.length);
            for (int i = 0; i < x.length; i++) {
                double rel = type == GgmlType.F32 ? 0 : type == GgmlType.F16 ? 1.0 / 2048 : 1.0 / 256;
                assertThat((double) back[i]).isCloseTo(x[i], org.assertj.core.data.Offset.offset(Math.abs(x[i]) * rel));
            }
        }
    }
}
