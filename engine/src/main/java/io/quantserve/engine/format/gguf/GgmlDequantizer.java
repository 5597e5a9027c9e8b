package io.quantserve.engine.format.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The scalar reference dequantizers of ggml ({@code dequantize_row_*} in ggml-quants.c), written to give the same
 * floats: the same operations in the same order, no fused multiply-adds. Vector kernels are tested against these.
 *
 * <p>Block layouts (little-endian, packed):
 * <ul>
 * <li>Q8_0 (32 elements, 34 bytes): f16 d, int8 qs[32]; x = d * q.</li>
 * <li>Q4_0 (32, 18): f16 d, u8 qs[16]; element j is the low nibble of qs[j], element j + 16 the high nibble;
 *     x = d * (q - 8).</li>
 * <li>Q4_K (256, 144): f16 d, f16 dmin, u8 scales[12] (eight 6-bit scales and mins), u8 qs[128]. Each 64 elements
 *     take 32 bytes of qs: low nibbles the first 32 (sub-block 2i), high nibbles the next 32 (sub-block 2i + 1);
 *     x = d * sc * q - dmin * m.</li>
 * <li>Q5_K (256, 176): f16 d, f16 dmin, u8 scales[12], u8 qh[32], u8 qs[128]; as Q4_K with a fifth bit from qh.</li>
 * <li>Q6_K (256, 210): u8 ql[128], u8 qh[64], int8 scales[16], f16 d; x = d * scale * (q - 32), one scale per 16.</li>
 * </ul>
 */
public final class GgmlDequantizer {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GgmlDequantizer() {
    }

    /** Whether {@link #dequantize} knows {@code type}. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Dequantizes {@code n} elements (whole blocks) stored at byte {@code offset} of {@code data} into
     * {@code out[outOff ..]}.
     */
    public static void dequantize(GgmlType type, MemorySegment data, long offset, float[] out, int outOff, int n) {
        if (n % type.blockElements() != 0) {
            throw new IllegalArgumentException(n + " elements do not fill whole " + type + " blocks");
        }
        int blocks = n / type.blockElements();
        long bb = type.blockBytes();
        for (int b = 0; b < blocks; b++) {
            long at = offset + b * bb;
            int o = outOff + b * type.blockElements();
            switch (type) {
                case F32 -> out[o] = data.get(F32, at);
                case F16 -> out[o] = Float.float16ToFloat(data.get(I16, at));
                case BF16 -> out[o] = Float.intBitsToFloat((data.get(I16, at) & 0xFFFF) << 16);
                case Q8_0 -> q8_0(data, at, out, o);
                case Q4_0 -> q4_0(data, at, out, o);
                case Q4_K -> q4K(data, at, out, o);
                case Q5_K -> q5K(data, at, out, o);
                case Q6_K -> q6K(data, at, out, o);
                default -> throw new IllegalArgumentException("dequantization of " + type + " is not supported"
                        + " (supported: F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K)");
            }
        }
    }

    static float f16(MemorySegment data, long at) {
        return Float.float16ToFloat(data.get(I16, at));
    }

    private static int u8(MemorySegment data, long at) {
        return data.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    private static void q8_0(MemorySegment data, long at, float[] out, int o) {
        float d = f16(data, at);
        for (int j = 0; j < 32; j++) {
            out[o + j] = data.get(ValueLayout.JAVA_BYTE, at + 2 + j) * d;
        }
    }

    private static void q4_0(MemorySegment data, long at, float[] out, int o) {
        float d = f16(data, at);
        for (int j = 0; j < 16; j++) {
            int q = u8(data, at + 2 + j);
            out[o + j] = ((q & 0x0F) - 8) * d;
            out[o + j + 16] = ((q >>> 4) - 8) * d;
        }
    }

    /**
     * The 6-bit scale (index 0) and min (index 1) of sub-block {@code j} of the 12 packed bytes at {@code at}
     * ({@code get_scale_min_k4}): sub-blocks 0..3 use the low 6 bits of bytes j and j + 4; 4..7 take their low
     * 4 bits from byte j + 4 and their top 2 bits from the spare high bits of bytes j - 4 and j.
     */
    public static int scaleK4(MemorySegment data, long at, int j) {
        if (j < 4) {
            return u8(data, at + j) & 63;
        }
        return (u8(data, at + j + 4) & 0xF) | ((u8(data, at + j - 4) >>> 6) << 4);
    }

    /** The min of sub-block {@code j}; see {@link #scaleK4}. */
    public static int minK4(MemorySegment data, long at, int j) {
        if (j < 4) {
            return u8(data, at + j + 4) & 63;
        }
        return (u8(data, at + j + 4) >>> 4) | ((u8(data, at + j) >>> 6) << 4);
    }

    private static void q4K(MemorySegment data, long at, float[] out, int o) {
        float d = f16(data, at);
        float min = f16(data, at + 2);
        long scales = at + 4;
        long q = at + 16;
        for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
            float d1 = d * scaleK4(data, scales, is);
            float m1 = min * minK4(data, scales, is);
            float d2 = d * scaleK4(data, scales, is + 1);
            float m2 = min * minK4(data, scales, is + 1);
            for (int l = 0; l < 32; l++) {
                out[o + j + l] = d1 * (u8(data, q + l) & 0xF) - m1;
            }
            for (int l = 0; l < 32; l++) {
                out[o + j + 32 + l] = d2 * (u8(data, q + l) >>> 4) - m2;
            }
        }
    }

    private static void q5K(MemorySegment data, long at, float[] out, int o) {
        float d = f16(data, at);
        float min = f16(data, at + 2);
        long scales = at + 4;
        long qh = at + 16;
        long ql = at + 48;
        int u1 = 1;
        int u2 = 2;
        for (int j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
            float d1 = d * scaleK4(data, scales, is);
            float m1 = min * minK4(data, scales, is);
            float d2 = d * scaleK4(data, scales, is + 1);
            float m2 = min * minK4(data, scales, is + 1);
            for (int l = 0; l < 32; l++) {
                out[o + j + l] = d1 * ((u8(data, ql + l) & 0xF) + ((u8(data, qh + l) & u1) != 0 ? 16 : 0)) - m1;
            }
            for (int l = 0; l < 32; l++) {
                out[o + j + 32 + l] = d2 * ((u8(data, ql + l) >>> 4) + ((u8(data, qh + l) & u2) != 0 ? 16 : 0)) - m2;
            }
        }
    }

    private static void q6K(MemorySegment data, long at, float[] out, int o) {
        float d = f16(data, at + 208);
        long ql = at;
        long qh = at + 128;
        long sc = at + 192;
        for (int n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = u8(data, qh + l);
                int q1 = ((u8(data, ql + l) & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((u8(data, ql + l + 32) & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = ((u8(data, ql + l) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                int q4 = ((u8(data, ql + l + 32) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                out[o + n + l] = d * data.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                out[o + n + l + 32] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                out[o + n + l + 64] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                out[o + n + l + 96] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
            }
        }
    }
}
