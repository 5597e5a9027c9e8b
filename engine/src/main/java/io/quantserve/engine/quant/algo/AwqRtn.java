package io.quantserve.engine.quant.algo;

import io.quantserve.engine.quant.QuantizedWeight;

/**
 * AutoAWQ's {@code pseudo_quantize_tensor} with {@code zero_point=True} (its default): per group the plain min and
 * max (not widened to contain 0, unlike GPTQ), scale = max(max - min, 1e-5) / (2^bits - 1), zero =
 * clamp(-round(min / scale), 0, 2^bits - 1). How AWQ quantizes once its scales and clips are applied, and the
 * quantizer its searches score candidates with.
 */
public final class AwqRtn {

    private AwqRtn() {
    }

    /** @param groupSize input columns per group, -1 for one group per output channel */
    public static QuantizedWeight quantize(float[] w, int out, int in, int bits, int groupSize) {
        Shapes.check(w, out, in, "awq weight");
        Shapes.bits(bits);
        int gs = Shapes.groupSize(groupSize, in, "awq");
        int groups = in / gs;
        int maxq = (1 << bits) - 1;
        int[] q = new int[out * in];
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < groups; g++) {
                int from = o * in + g * gs;
                int pg = o * groups + g;
                group(w, from, gs, maxq, scales, zeros, pg);
                for (int k = from; k < from + gs; k++) {
                    q[k] = Rtn.code(w[k], scales[pg], zeros[pg], maxq);
                }
            }
        }
        return new QuantizedWeight(bits, gs, out, in, q, scales, zeros, QuantizedWeight.sequentialGroups(in, gs),
                false);
    }

    /** Quantizes and dequantizes {@code w[from, from + len)} in place (the searches' fake quantization). */
    static void fakeQuantize(float[] w, int from, int len, int maxq) {
        float[] s = new float[1];
        float[] z = new float[1];
        group(w, from, len, maxq, s, z, 0);
        for (int k = from; k < from + len; k++) {
            w[k] = (Rtn.code(w[k], s[0], z[0], maxq) - z[0]) * s[0];
        }
    }

    private static void group(float[] w, int from, int len, int maxq, float[] scales, float[] zeros, int at) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int k = from; k < from + len; k++) {
            min = Math.min(min, w[k]);
            max = Math.max(max, w[k]);
        }
        float scale = Math.max(max - min, 1e-5f) / maxq;
        float zero = (float) Math.max(0, Math.min(maxq, -Math.rint(min / scale)));
        scales[at] = scale;
        zeros[at] = zero;
    }
}
