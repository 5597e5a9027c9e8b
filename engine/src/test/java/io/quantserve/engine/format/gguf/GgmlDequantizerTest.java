package io.quantserve.engine.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Hand-built blocks against values worked out from the ggml layouts, independently of the packing code. */
class GgmlDequantizerTest {
    private static final int[] SC = {1, 2, 3, 4, 17, 33, 50, 63};
    private static final int[] MN = {0, 5, 10, 63, 20, 40, 1, 62};

    private static float[] dequantize(GgmlType type, byte[] block) {
        float[] out = new float[type.blockElements()];
        GgmlDequantizer.dequantize(type, MemorySegment.ofArray(block), 0, out, 0, out.length);
        return out;
    }

    private static void f16(byte[] b, int at, float v) {
        short h = Float.floatToFloat16(v);
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >> 8);
    }

    @Test
    void q8_0IsScaleTimesSignedByte() {
        byte[] b = new byte[34];
        f16(b, 0, 0.5f);
        for (int j = 0; j < 32; j++) {
            b[2 + j] = (byte) (j * 8 - 128);
        }
        float[] x = dequantize(GgmlType.Q8_0, b);
        for (int j = 0; j < 32; j++) {
            assertThat(x[j]).isEqualTo((j * 8 - 128) * 0.5f);
        }
    }

    @Test
    void q4_0LowNibblesAreTheFirstHalfHighNibblesTheSecond() {
        byte[] b = new byte[18];
        f16(b, 0, 2f);
        for (int j = 0; j < 16; j++) {
            b[2 + j] = (byte) (j | ((15 - j) << 4));
        }
        float[] x = dequantize(GgmlType.Q4_0, b);
        for (int j = 0; j < 16; j++) {
            assertThat(x[j]).isEqualTo((j - 8) * 2f);
            assertThat(x[16 + j]).isEqualTo((7 - j) * 2f);
        }
    }

    /** The 12 bytes of eight 6-bit scales and mins, packed as ggml's get_scale_min_k4 unpacks them. */
    private static void packScales(byte[] b, int at) {
        for (int j = 0; j < 4; j++) {
            b[at + j] = (byte) (SC[j] | ((SC[j + 4] >> 4) << 6));
            b[at + j + 4] = (byte) (MN[j] | ((MN[j + 4] >> 4) << 6));
            b[at + j + 8] = (byte) ((SC[j + 4] & 0xF) | ((MN[j + 4] & 0xF) << 4));
        }
    }

    @Test
    void q4KScalesAndMinsPerSubBlockOf32() {
        byte[] b = new byte[144];
        f16(b, 0, 1.5f);
        f16(b, 2, 0.25f);
        packScales(b, 4);
        for (int i = 0; i < 128; i++) {
            b[16 + i] = 0x3A; // low nibble 10, high nibble 3
        }
        float[] x = dequantize(GgmlType.Q4_K, b);
        for (int i = 0; i < 256; i++) {
            int sub = i / 32;
            int q = sub % 2 == 0 ? 10 : 3;
            assertThat(x[i]).as("element " + i).isEqualTo(1.5f * SC[sub] * q - 0.25f * MN[sub]);
        }
    }

    @Test
    void q5KAddsTheHighBitOfEachSubBlock() {
        byte[] b = new byte[176];
        f16(b, 0, 1.5f);
        f16(b, 2, 0.25f);
        packScales(b, 4);
        for (int i = 0; i < 32; i++) {
            b[16 + i] = 0x55; // bit 2g set: the low-nibble sub-block of each 64 gets +16, the high one not
        }
        for (int i = 0; i < 128; i++) {
            b[48 + i] = 0x3A;
        }
        float[] x = dequantize(GgmlType.Q5_K, b);
        for (int i = 0; i < 256; i++) {
            int sub = i / 32;
            int q = sub % 2 == 0 ? 10 + 16 : 3;
            assertThat(x[i]).as("element " + i).isEqualTo(1.5f * SC[sub] * q - 0.25f * MN[sub]);
        }
    }

    @Test
    void q6KSixBitsFromLowAndHighPlanesWithSignedScalesPer16() {
        byte[] b = new byte[210];
        for (int i = 0; i < 128; i++) {
            b[i] = 0x21; // low nibble 1, high nibble 2
        }
        for (int i = 0; i < 64; i++) {
            b[128 + i] = (byte) 0xE4; // 2-bit fields 0, 1, 2, 3 from the bottom
        }
        for (int i = 0; i < 16; i++) {
            b[192 + i] = (byte) (i - 8);
        }
        f16(b, 208, 0.25f);
        float[] x = dequantize(GgmlType.Q6_K, b);
        int[] q = {1 - 32, (1 | 1 << 4) - 32, (2 | 2 << 4) - 32, (2 | 3 << 4) - 32};
        for (int i = 0; i < 256; i++) {
            int half = i / 128;
            int quarter = (i % 128) / 32; // which of q1..q4
            int l = i % 32;
            int scale = 8 * half + l / 16 + 2 * quarter - 8;
            assertThat(x[i]).as("element " + i).isEqualTo(0.25f * scale * q[quarter]);
        }
    }

    @Test
    void floatTypesAndErrors() {
        byte[] b = {0, 0, (byte) 0x80, 0x3F, 0x00, 0x3C, (byte) 0xC0, 0x3F};
        float[] out = new float[1];
        GgmlDequantizer.dequantize(GgmlType.F32, MemorySegment.ofArray(b), 0, out, 0, 1);
        assertThat(out[0]).isEqualTo(1f);
        GgmlDequantizer.dequantize(GgmlType.F16, MemorySegment.ofArray(b), 4, out, 0, 1);
        assertThat(out[0]).isEqualTo(1f);
        GgmlDequantizer.dequantize(GgmlType.BF16, MemorySegment.ofArray(b), 6, out, 0, 1);
        assertThat(out[0]).isEqualTo(1.5f);
        assertThatThrownBy(() -> GgmlDequantizer.dequantize(GgmlType.Q2_K, MemorySegment.ofArray(new byte[84]), 0,
                new float[256], 0, 256)).hasMessageContaining("Q2_K is not supported");
        assertThatThrownBy(() -> GgmlDequantizer.dequantize(GgmlType.Q8_0, MemorySegment.ofArray(new byte[34]), 0,
                new float[33], 0, 33)).hasMessageContaining("whole Q8_0 blocks");
    }
}
