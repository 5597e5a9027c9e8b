package io.quantserve.engine.quant.algo;

/**
 * SmoothQuant's migration strength (Xiao et al. 2023, {@code smooth_ln_fcs}): per input channel
 * s_j = max|X_j|^α / max_i |W_ij|^(1-α), the weight maximum taken over every linear reading the channel and
 * clamped to ≥ 1e-5, s clamped to ≥ 1e-5. Dividing the activations (the previous norm) by s and multiplying the
 * weight columns by s ({@link ChannelScaling}) leaves x Wᵀ unchanged while moving outliers into the weights.
 */
public final class SmoothQuant {
    public static final float DEFAULT_ALPHA = 0.5f;

    private SmoothQuant() {
    }

    /**
     * @param actAbsMax per input channel max |x| over the calibration tokens [in]
     * @param weights   the linears reading those channels, each [outs[i], in]
     */
    public static float[] scales(float[] actAbsMax, float[][] weights, int[] outs, int in, float alpha) {
        if (actAbsMax.length != in) {
            throw new IllegalArgumentException("smoothquant: act scales have " + actAbsMax.length
                    + " channels, weights " + in);
        }
        if (weights.length == 0 || weights.length != outs.length) {
            throw new IllegalArgumentException("smoothquant: need one out size per weight");
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("smoothquant: alpha must be in [0, 1], got " + alpha);
        }
        float[] wMax = new float[in];
        for (int i = 0; i < weights.length; i++) {
            Shapes.check(weights[i], outs[i], in, "smoothquant weight " + i);
            for (int o = 0; o < outs[i]; o++) {
                for (int k = 0; k < in; k++) {
                    wMax[k] = Math.max(wMax[k], Math.abs(weights[i][o * in + k]));
                }
            }
        }
        float[] s = new float[in];
        for (int k = 0; k < in; k++) {
            double ws = Math.max(wMax[k], 1e-5f);
            s[k] = (float) Math.max(Math.pow(actAbsMax[k], alpha) / Math.pow(ws, 1 - alpha), 1e-5);
        }
        return s;
    }

    /** Per input channel max |x| over x [n, in] (SmoothQuant's {@code act_scales}). */
    public static float[] activationAbsMax(float[] x, int n, int in) {
        Shapes.check(x, n, in, "smoothquant calibration input");
        float[] m = new float[in];
        for (int t = 0; t < n; t++) {
            for (int k = 0; k < in; k++) {
                m[k] = Math.max(m[k], Math.abs(x[t * in + k]));
            }
        }
        return m;
    }
}
