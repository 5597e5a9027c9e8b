package io.quantserve.engine.quant.algo;

/**
 * Folding per-input-channel scales s into a model without changing what it computes: the linears reading the
 * channels get W·diag(s), and whatever produces the channels is divided by s — a norm's weight (and bias), or the
 * output rows of a previous linear (AutoAWQ {@code apply_scale}, SmoothQuant {@code smooth_ln_fcs}).
 */
public final class ChannelScaling {

    private ChannelScaling() {
    }

    /** w [out, in] columns multiplied by s [in], in place. */
    public static void multiplyColumns(float[] w, int out, int in, float[] s) {
        Shapes.check(w, out, in, "weight");
        checkScales(s, in);
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                w[o * in + k] *= s[k];
            }
        }
    }

    /** A norm's weight or bias [channels] divided by s, in place. */
    public static void divide(float[] v, float[] s) {
        checkScales(s, v.length);
        for (int k = 0; k < v.length; k++) {
            v[k] /= s[k];
        }
    }

    /** A previous linear's rows w [out, in] (its outputs being the scaled channels) divided by s [out], in place. */
    public static void divideRows(float[] w, int out, int in, float[] s) {
        Shapes.check(w, out, in, "weight");
        checkScales(s, out);
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                w[o * in + k] /= s[o];
            }
        }
    }

    private static void checkScales(float[] s, int n) {
        if (s.length != n) {
            throw new IllegalArgumentException("channel scales: expected " + n + " values, got " + s.length);
        }
    }
}
