package io.quantserve.engine.format.gguf;

/**
 * Float rows to ggml blocks as ggml-quants.c's reference quantizers do it ({@code quantize_row_q8_0_ref},
 * {@code quantize_row_q4_0_ref}, {@code quantize_row_q4_K_ref}, {@code quantize_row_q6_K_ref}, and the plain
 * F32/F16/BF16 conversions of ggml.c): the same scale search and rounding in the same float operations, so the bytes
 * match llama.cpp's for the same input when its C is compiled without contracting multiply-adds into FMAs.
 * (llama-quantize without an importance matrix uses these reference paths.)
 */
public final class GgmlQuantizer {
    private GgmlQuantizer() {
    }

    /** Whether {@link #quantize} can write {@code type}. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K -> true;
            default -> false;
        };
    }

    /** {@code n} elements of {@code src} from {@code srcOff} (whole blocks) as blocks of {@code type}. */
    public static byte[] quantize(GgmlType type, float[] src, int srcOff, int n) {
        byte[] out = new byte[Math.toIntExact(type.byteSize(n))];
        quantize(type, src, srcOff, n, out, 0);
        return out;
    }

    /** As {@link #quantize(GgmlType, float[], int, int)}, into {@code dst[dstOff ..]}. */
    public static void quantize(GgmlType type, float[] src, int srcOff, int n, byte[] dst, int dstOff) {
        if (n % type.blockElements() != 0) {
            throw new IllegalArgumentException(n + " elements do not fill whole " + type + " blocks of "
                    + type.blockElements());
        }
        int bb = type.blockBytes();
        for (int b = 0, blocks = n / type.blockElements(); b < blocks; b++) {
            int s = srcOff + b * type.blockElements();
            int d = dstOff + b * bb;
            switch (type) {
                case F32 -> putInt(dst, d, Float.floatToRawIntBits(src[s]));
                case F16 -> putShort(dst, d, Float.floatToFloat16(src[s]));
                case BF16 -> putShort(dst, d, toBf16(src[s]));
                case Q8_0 -> q8_0(src, s, dst, d);
                case Q4_0 -> q4_0(src, s, dst, d);
                case Q4_K -> KQuants.q4K(src, s, dst, d);
                case Q6_K -> KQuants.q6K(src, s, dst, d);
                default -> throw new IllegalArgumentException("quantization to " + type + " is not supported"
                        + " (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K)");
            }
        }
    }

    private static void q8_0(float[] x, int s, byte[] dst, int d) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[s + j]));
        }
        float scale = amax / 127;
        float id = scale != 0 ? 1.0f / scale : 0.0f;
        putShort(dst, d, Float.floatToFloat16(scale));
        for (int j = 0; j < 32; j++) {
            dst[d + 2 + j] = (byte) roundf(x[s + j] * id);
        }
    }

    private static void q4_0(float[] x, int s, byte[] dst, int d) {
        // the scale maps the value of largest magnitude, with its sign, to -8: the full negative range is used
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[s + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float scale = max / -8;
        float id = scale != 0 ? 1.0f / scale : 0.0f;
        putShort(dst, d, Float.floatToFloat16(scale));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (byte) (int) (x[s + j] * id + 8.5f));
            int hi = Math.min(15, (byte) (int) (x[s + 16 + j] * id + 8.5f));
            dst[d + 2 + j] = (byte) (lo | (hi << 4));
        }
    }

    /** C's roundf: halves away from zero (Math.round would take -2.5 to -2). */
    static int roundf(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -r : r);
    }

    /** Round to nearest even, NaN kept quiet, as ggml_compute_fp32_to_bf16. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }

    private static void putShort(byte[] b, int at, short v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }
}
