package io.quantserve.engine.quant.algo;

import io.quantserve.engine.quant.QuantizedWeight;

/**
 * Round-to-nearest with AutoGPTQ's {@code Quantizer.find_params} semantics: the range of every group is widened to
 * contain 0, an all-zero group gets [-1, 1], asymmetric zero = round(-min / scale), symmetric zero = 2^(bits-1)
 * with the range made symmetric only where min is negative (as the reference does). The GPTQ baseline and the
 * quantizer GPTQ itself uses per group.
 */
public final class Rtn {

    private Rtn() {
    }

    /**
     * @param w         [out, in] row-major
     * @param groupSize input columns per group, -1 for one group per output channel
     */
    public static QuantizedWeight quantize(float[] w, int out, int in, int bits, int groupSize, boolean symmetric) {
        int gs = Shapes.groupSize(groupSize, in, "rtn");
        Shapes.check(w, out, in, "rtn weight");
        Shapes.bits(bits);
        int maxq = (1 << bits) - 1;
        int groups = in / gs;
        int[] q = new int[out * in];
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        float[] params = new float[2];
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < groups; g++) {
                int from = o * in + g * gs;
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = from; k < from + gs; k++) {
                    min = Math.min(min, w[k]);
                    max = Math.max(max, w[k]);
                }
                findParams(min, max, maxq, symmetric, params);
                scales[o * groups + g] = params[0];
                zeros[o * groups + g] = params[1];
                for (int k = from; k < from + gs; k++) {
                    q[k] = code(w[k], params[0], params[1], maxq);
                }
            }
        }
        return new QuantizedWeight(bits, gs, out, in, q, scales, zeros, QuantizedWeight.sequentialGroups(in, gs),
                symmetric);
    }

    /**
     * AutoGPTQ {@code find_params} for one group (computed in float as the reference does): writes
     * {scale, zero} into {@code params}.
     */
    static void findParams(float min, float max, int maxq, boolean symmetric, float[] params) {
        float xmin = Math.min(min, 0f);
        float xmax = Math.max(max, 0f);
        if (symmetric) {
            xmax = Math.max(Math.abs(xmin), xmax);
            if (xmin < 0) {
                xmin = -xmax;
            }
        }
        if (xmin == 0f && xmax == 0f) {
            xmin = -1f;
            xmax = 1f;
        }
        float scale = (xmax - xmin) / maxq;
        params[0] = scale;
        params[1] = symmetric ? (maxq + 1) / 2f : (float) Math.rint(-xmin / scale);
    }

    /** clamp(round(x / scale) + zero, 0, maxq), torch.round being round-half-even like {@link Math#rint}. */
    static int code(double x, float scale, float zero, int maxq) {
        double v = Math.rint(x / scale) + zero;
        return (int) Math.max(0, Math.min(maxq, v));
    }
}
