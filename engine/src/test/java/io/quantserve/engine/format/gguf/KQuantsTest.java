package io.quantserve.engine.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Q4_K and Q6_K written by {@link GgmlQuantizer}, read back by the independent {@link GgmlDequantizer}. */
class KQuantsTest {

    /**
     * Ramps 0..15 in every sub-block of 32: make_qkx2_quants finds scale 1 and min 0 with zero error, so every 6-bit
     * scale is 63, every min 0, d = fp16(1/63), dmin = 0 and the codes are the ramp itself.
     */
    @Test
    void q4KBlockOfRampsIsPackedAsWorkedOutByHand() {
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) {
            x[i] = i % 16;
        }
        byte[] b = GgmlQuantizer.quantize(GgmlType.Q4_K, x, 0, 256);
        assertThat(b).hasSize(144);
        assertThat(u16(b, 0)).isEqualTo(Float.floatToFloat16(1f / 63) & 0xFFFF);
        assertThat(u16(b, 2)).isZero();
        // scales[0..3] = 63 | (63 >> 4) << 6 (the high bits of scales 4..7), mins 0, scales[8..11] = 63 & 0xF
        byte[] expectedScales = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0, 15, 15, 15, 15};
        for (int i = 0; i < 12; i++) {
            assertThat(b[4 + i]).as("scales[" + i + "]").isEqualTo(expectedScales[i]);
        }
        for (int l = 0; l < 128; l++) {
            assertThat(b[16 + l] & 0xFF).as("qs[" + l + "]").isEqualTo((l % 16) | (l % 16) << 4);
        }
        float[] back = dequantize(GgmlType.Q4_K, b, 256);
        float d = Float.float16ToFloat(Float.floatToFloat16(1f / 63));
        for (int i = 0; i < 256; i++) {
            assertThat(back[i]).isEqualTo(d * 63 * (i % 16));
        }
    }

    /**
     * Each 16 holds -8..7: make_qx_quants maps the -8 to -32 (iscale 4) and least squares gives scale exactly 1/4;
     * the super-block scale is then -1/512 (fp16 0x9800) with every int8 scale -128, and the values come back exactly.
     */
    @Test
    void q6KBlockOfIntegersIsPackedAsWorkedOutByHand() {
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) {
            x[i] = i % 16 - 8;
        }
        byte[] b = GgmlQuantizer.quantize(GgmlType.Q6_K, x, 0, 256);
        assertThat(b).hasSize(210);
        assertThat(u16(b, 208)).isEqualTo(0x9800);
        for (int i = 0; i < 16; i++) {
            assertThat(b[192 + i]).as("scales[" + i + "]").isEqualTo((byte) -128);
        }
        // element i: code 4 * x + 32; low nibbles of elements l and l + 64 share ql[l], high 2 bits go to qh
        for (int l = 0; l < 32; l++) {
            int code = 4 * (l % 16 - 8) + 32;
            assertThat(b[l] & 0xFF).as("ql[" + l + "]").isEqualTo((code & 0xF) | (code & 0xF) << 4);
            int hi = code >> 4;
            assertThat(b[128 + l] & 0xFF).as("qh[" + l + "]").isEqualTo(hi | hi << 2 | hi << 4 | hi << 6);
        }
        assertThat(dequantize(GgmlType.Q6_K, b, 256)).containsExactly(x);
    }

    /**
     * Gaussian rows: the round-trip error relative to the row's RMS, bounded by what the formats give (measured
     * for this seed: Q4_K 0.078, Q6_K 0.020), and zero rows stay exactly zero.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q6_K"})
    void gaussianRowsComeBackWithinTheFormatsError(GgmlType type) {
        Random rnd = new Random(3);
        int n = 256 * 16;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * (1 + i / 256)); // a different magnitude per super-block
        }
        java.util.Arrays.fill(x, 256 * 5, 256 * 6, 0f);
        float[] back = dequantize(type, GgmlQuantizer.quantize(type, x, 0, n), n);
        double worst = 0;
        for (int blk = 0; blk < n / 256; blk++) {
            double err = 0;
            double sig = 0;
            for (int i = blk * 256; i < (blk + 1) * 256; i++) {
                err += (x[i] - back[i]) * (x[i] - back[i]);
                sig += x[i] * x[i];
            }
            if (sig == 0) {
                assertThat(err).as("zero block").isZero();
            } else {
                worst = Math.max(worst, Math.sqrt(err / sig));
            }
        }
        System.out.printf("%s worst relative RMS error per super-block: %.4f%n", type, worst);
        assertThat(worst).isLessThan(type == GgmlType.Q4_K ? 0.12 : 0.03);
        assertThat(worst).as("not lossless").isGreaterThan(0);
    }

    @Test
    void q4KHandlesOneSidedSubBlocks() {
        // positive sub-blocks [5, 6]: the min clamps to 0, so 15 steps span [0, 6] (error up to about 0.2);
        // negative ones [-6, -5]: the min (-6) is stored and 15 steps span just the range (error about 0.03)
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) {
            float v = 5 + (i % 32) / 31f;
            x[i] = (i / 32) % 2 == 0 ? v : -v;
        }
        float[] back = dequantize(GgmlType.Q4_K, GgmlQuantizer.quantize(GgmlType.Q4_K, x, 0, 256), 256);
        for (int i = 0; i < 256; i++) {
            float bound = x[i] > 0 ? 0.25f : 0.05f;
            assertThat(back[i]).as("x[" + i + "]").isCloseTo(x[i], org.assertj.core.data.Offset.offset(bound));
        }
    }

    private static float[] dequantize(GgmlType type, byte[] bytes, int n) {
        float[] out = new float[n];
        GgmlDequantizer.dequantize(type, MemorySegment.ofArray(bytes), 0, out, 0, n);
        return out;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }
}
