package io.quantserve.engine.quant.algo;

import io.quantserve.engine.quant.QuantizedWeight;

/**
 * Half-Quadratic Quantization (Badri &amp; Shaji 2023), calibration-free, as hqq's {@code quantize} (axis 1: groups
 * along the input features) with {@code optimize_weights_proximal_legacy}: the scale stays at min/max
 * (2^bits - 1) / (max - min), capped at 2e4, and only the zero point is optimised by alternating a generalised
 * soft-threshold of the error (the proximal step of ‖·‖_p^p, p &lt; 1) with a closed-form zero per group. Works in
 * float as hqq does on CPU. The early stop compares the mean |W - Ŵ| of the whole matrix, and — as in the
 * reference — the zero already updated in the iteration that stopped is the one kept.
 */
public final class Hqq {
    public static final int DEFAULT_GROUP_SIZE = 64;

    private Hqq() {
    }

    /** @param groupSize input columns per group (hqq's default 64), -1 for one group per output channel */
    public static QuantizedWeight quantize(float[] w, int out, int in, int bits, int groupSize, HqqOptions o) {
        Shapes.check(w, out, in, "hqq weight");
        Shapes.bits(bits);
        int gs = Shapes.groupSize(groupSize, in, "hqq");
        int groups = out * (in / gs);
        int maxq = (1 << bits) - 1;
        // hqq's convention: W_q = round(W · invScale + zero), W_r = (W_q - zero) / invScale.
        float[] invScale = new float[groups];
        float[] zero = new float[groups];
        for (int g = 0; g < groups; g++) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int k = g * gs; k < (g + 1) * gs; k++) {
                min = Math.min(min, w[k]);
                max = Math.max(max, w[k]);
            }
            invScale[g] = Math.min(maxq / (max - min), 2e4f); // max == min gives +inf, capped like the reference
            zero[g] = -min * invScale[g];
            if (o.roundInitialZero()) {
                zero[g] = (float) Math.rint(zero[g]);
            }
        }

        float beta = o.beta();
        double bestError = 1e4;
        float p = o.lpNorm();
        for (int it = 0; it < o.iterations(); it++) {
            double absError = 0;
            for (int g = 0; g < groups; g++) {
                float s = invScale[g];
                float z = zero[g];
                double zSum = 0;
                for (int k = g * gs; k < (g + 1) * gs; k++) {
                    float wq = (float) Math.max(0, Math.min(maxq, Math.rint(w[k] * s + z)));
                    float wr = (wq - z) / s;
                    float diff = w[k] - wr;
                    absError += Math.abs(diff);
                    float we = shrink(diff, beta, p);
                    zSum += wq - (w[k] - we) * s;
                }
                zero[g] = (float) (zSum / gs);
            }
            beta *= o.kappa();
            double error = absError / ((double) groups * gs);
            if (error < bestError) {
                bestError = error;
            } else {
                break;
            }
        }

        if (o.roundZero()) {
            for (int g = 0; g < groups; g++) {
                zero[g] = (float) Math.max(0, Math.min(maxq, Math.rint(zero[g])));
            }
        }
        int[] q = new int[out * in];
        float[] scales = new float[groups];
        for (int g = 0; g < groups; g++) {
            for (int k = g * gs; k < (g + 1) * gs; k++) {
                q[k] = (int) Math.max(0, Math.min(maxq, Math.rint(w[k] * invScale[g] + zero[g])));
            }
            scales[g] = 1f / invScale[g];
        }
        return new QuantizedWeight(bits, gs, out, in, q, scales, zero, QuantizedWeight.sequentialGroups(in, gs),
                false);
    }

    /** The proximal operator of (1/beta)|x|^p: sign(x) · relu(|x| - |x|^(p-1) / beta) (p = 1: soft threshold). */
    static float shrink(float x, float beta, float p) {
        float a = Math.abs(x);
        float t = p == 1f ? 1f / beta : (float) Math.pow(a, p - 1) / beta;
        return Math.signum(x) * Math.max(0f, a - t);
    }
}
