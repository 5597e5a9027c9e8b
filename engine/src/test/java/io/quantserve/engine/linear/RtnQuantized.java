package io.quantserve.engine.linear;

import java.util.Random;

/**
 * Round-to-nearest quantization of one float weight [out, in] into integers, fp16-valued scales and integer zeros
 * per (group, output channel), the way GPTQ's quantizer forms them (range widened to include 0). Test code: the
 * source of both a packed checkpoint and its dequantized float twin.
 *
 * @param q       [in, out] integers (the transposed layout both AWQ and GPTQ pack from)
 * @param scales  [groups, out], each exactly an fp16 value
 * @param zeros   [groups, out]
 * @param groupOf [in]
 */
record RtnQuantized(int out, int in, int bits, int groups, int[] groupOf, int[] q, float[] scales, int[] zeros) {

    /**
     * @param groupOf the group of each input channel (contiguous k / size, or an act-order permutation)
     * @param minZero smallest zero point allowed (1 for GPTQ v1 asym, whose stored zero - 1 must not go negative)
     */
    static RtnQuantized of(float[] w, int out, int in, int bits, int groups, int[] groupOf, boolean sym, int minZero) {
        int maxq = (1 << bits) - 1;
        int[] q = new int[in * out];
        float[] scales = new float[groups * out];
        int[] zeros = new int[groups * out];
        for (int o = 0; o < out; o++) {
            float[] min = new float[groups];
            float[] max = new float[groups];
            for (int k = 0; k < in; k++) {
                int g = groupOf[k];
                min[g] = Math.min(min[g], w[o * in + k]);
                max[g] = Math.max(max[g], w[o * in + k]);
            }
            for (int g = 0; g < groups; g++) {
                float scale;
                int zero;
                if (sym) {
                    float amax = Math.max(-min[g], max[g]);
                    scale = fp16(amax > 0 ? 2 * amax / maxq : 1f);
                    zero = (maxq + 1) / 2;
                } else {
                    scale = fp16(max[g] > min[g] ? (max[g] - min[g]) / maxq : 1f);
                    zero = Math.clamp(Math.round(-min[g] / scale), minZero, maxq);
                }
                scales[g * out + o] = scale;
                zeros[g * out + o] = zero;
            }
            for (int k = 0; k < in; k++) {
                int g = groupOf[k];
                float s = scales[g * out + o];
                q[k * out + o] = Math.clamp(Math.round(w[o * in + k] / s) + zeros[g * out + o], 0, maxq);
            }
        }
        return new RtnQuantized(out, in, bits, groups, groupOf, q, scales, zeros);
    }

    /** Contiguous groups of {@code size} input channels (-1: one group). */
    static int[] contiguousGroups(int in, int size) {
        int width = size == -1 ? in : size;
        int[] groupOf = new int[in];
        for (int k = 0; k < in; k++) {
            groupOf[k] = k / width;
        }
        return groupOf;
    }

    /** Act-order groups: a random permutation perm of the inputs, g_idx[perm[i]] = i / size (as GPTQ's desc_act). */
    static int[] shuffledGroups(int in, int size, Random rnd) {
        int[] perm = new int[in];
        for (int i = 0; i < in; i++) {
            perm[i] = i;
        }
        for (int i = in - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] groupOf = new int[in];
        for (int i = 0; i < in; i++) {
            groupOf[perm[i]] = i / size;
        }
        return groupOf;
    }

    static float fp16(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    /** The float weight [out, in] the checkpoint stands for: (q - zero) * scale, as the Python loaders compute it. */
    float[] dequantize() {
        float[] w = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                int gs = groupOf[k] * out + o;
                w[o * in + k] = (q[k * out + o] - zeros[gs]) * scales[gs];
            }
        }
        return w;
    }

    /** The zeros as GPTQ v1 stores them (zero - 1). */
    int[] zerosMinusOne() {
        int[] z = new int[zeros.length];
        for (int i = 0; i < z.length; i++) {
            if (zeros[i] < 1) {
                throw new IllegalStateException("v1 cannot store zero 0");
            }
            z[i] = zeros[i] - 1;
        }
        return z;
    }

    byte[] scalesF16() {
        byte[] bytes = new byte[scales.length * 2];
        for (int i = 0; i < scales.length; i++) {
            short h = Float.floatToFloat16(scales[i]);
            bytes[2 * i] = (byte) h;
            bytes[2 * i + 1] = (byte) (h >> 8);
        }
        return bytes;
    }
}
