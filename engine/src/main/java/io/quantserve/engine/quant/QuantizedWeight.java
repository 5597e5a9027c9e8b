package io.quantserve.engine.quant;

/**
 * A linear layer's weight [out, in] quantized to unsigned integers with a scale and a zero point per group of
 * input columns: {@code w[o][k] ≈ (q[o][k] - zero[o][g]) * scale[o][g]} with {@code g = gIdx[k]}. What every
 * quantization algorithm produces and every checkpoint writer consumes.
 *
 * @param bits      2, 3, 4 or 8; codes lie in [0, 2^bits)
 * @param groupSize input columns per group; {@code in} for per-channel ({@code group_size -1})
 * @param q         [out, in] codes, row-major
 * @param scales    [out, groups]
 * @param zeros     [out, groups]; whole numbers except where an algorithm (HQQ) optimises fractional ones
 * @param gIdx      [in] the group of each input column ({@code k / groupSize} unless act-order reordered them)
 * @param symmetric zero fixed at 2^(bits-1)
 */
public record QuantizedWeight(int bits, int groupSize, int out, int in, int[] q, float[] scales, float[] zeros,
        int[] gIdx, boolean symmetric) {

    public QuantizedWeight {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("bits must be 2..8, got " + bits);
        }
        if (groupSize < 1 || in % groupSize != 0) {
            throw new IllegalArgumentException("group size " + groupSize + " does not divide in_features " + in);
        }
        if (q.length != out * in || scales.length != out * (in / groupSize) || zeros.length != scales.length
                || gIdx.length != in) {
            throw new IllegalArgumentException("inconsistent quantized weight arrays for [" + out + ", " + in + "]");
        }
    }

    public int groups() {
        return in / groupSize;
    }

    /** g_idx of plain grouping: column k in group k / groupSize. */
    public static int[] sequentialGroups(int in, int groupSize) {
        int[] g = new int[in];
        for (int k = 0; k < in; k++) {
            g[k] = k / groupSize;
        }
        return g;
    }

    /** True when every column sits in group k / groupSize (no act-order reordering). */
    public boolean hasSequentialGroups() {
        for (int k = 0; k < in; k++) {
            if (gIdx[k] != k / groupSize) {
                return false;
            }
        }
        return true;
    }

    /** The float weight [out, in] these codes stand for. */
    public float[] dequantize() {
        int groups = groups();
        float[] w = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                int g = o * groups + gIdx[k];
                w[o * in + k] = (q[o * in + k] - zeros[g]) * scales[g];
            }
        }
        return w;
    }
}
