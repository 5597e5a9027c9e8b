package io.quantserve.engine.quant.algo;

import io.quantserve.engine.kernel.Parallel;

import java.util.Arrays;

/**
 * Activation-aware weight quantization's searches (Lin et al. 2023), as AutoAWQ's {@code AwqQuantizer}: per-channel
 * scales that protect the input channels with large activations ({@code _search_best_scale}, duo scaling), and
 * per-group clip bounds ({@code _compute_best_clip}). Which linears share a search and which skip clipping (q/k) is
 * the caller's decision.
 */
public final class AwqSearch {
    /** AutoAWQ's grid: ratios i / 20 for i in [0, 20). */
    public static final int SCALE_GRID = 20;
    public static final int CLIP_GRID = 20;
    public static final double MAX_SHRINK = 0.5;
    public static final int CLIP_SAMPLE_TOKENS = 512;

    private AwqSearch() {
    }

    /** Per input channel mean |x| over the n calibration tokens x [n, in] (AutoAWQ {@code x_mean}). */
    public static float[] activationMeans(float[] x, int n, int in) {
        Shapes.check(x, n, in, "awq calibration input");
        double[] sum = new double[in];
        for (int t = 0; t < n; t++) {
            for (int k = 0; k < in; k++) {
                sum[k] += Math.abs(x[t * in + k]);
            }
        }
        float[] mean = new float[in];
        for (int k = 0; k < in; k++) {
            mean[k] = (float) (sum[k] / n);
        }
        return mean;
    }

    /**
     * Per input channel mean of |W| normalised by the largest |W| of its group ({@code |W| / (amax + 1e-6)}), over
     * the output rows of all the given linears concatenated (AutoAWQ {@code w_mean}).
     */
    public static float[] weightMeans(float[][] weights, int[] outs, int in, int groupSize) {
        int gs = Shapes.groupSize(groupSize, in, "awq");
        double[] sum = new double[in];
        long rows = 0;
        for (int i = 0; i < weights.length; i++) {
            float[] w = weights[i];
            Shapes.check(w, outs[i], in, "awq weight " + i);
            for (int o = 0; o < outs[i]; o++) {
                for (int g = 0; g < in; g += gs) {
                    float amax = 0;
                    for (int k = g; k < g + gs; k++) {
                        amax = Math.max(amax, Math.abs(w[o * in + k]));
                    }
                    for (int k = g; k < g + gs; k++) {
                        sum[k] += Math.abs(w[o * in + k]) / (amax + 1e-6f);
                    }
                }
            }
            rows += outs[i];
        }
        float[] mean = new float[in];
        for (int k = 0; k < in; k++) {
            mean[k] = (float) (sum[k] / rows);
        }
        return mean;
    }

    /** {@link #searchScales(float[][], int[], int, float[], int, int, int, ObjectiveFn)} on the linears' outputs. */
    public static AwqScales searchScales(float[][] weights, int[] outs, int in, float[] x, int n, int bits,
            int groupSize) {
        return searchScales(weights, outs, in, x, n, bits, groupSize,
                ObjectiveFn.linearOutputs(weights, outs, in, x, n));
    }

    /**
     * The best of s = x_mean^r / (w_mean^(1-r) + 1e-4), clamped to ≥ 1e-4 and normalised by sqrt(max s · min s),
     * over r = i / 20: each candidate quantizes W·diag(s) with {@link AwqRtn} and divides by s again before the
     * objective scores it. With duo scaling no grid point is s = 1, so plain RTN is scored too and kept if it wins
     * (AutoAWQ would take the best grid point regardless): the search is never worse than RTN on its objective.
     *
     * @param weights the linears reading the same input (e.g. q, k, v), each [outs[i], in]
     * @param x       calibration input [n, in] of those linears
     */
    public static AwqScales searchScales(float[][] weights, int[] outs, int in, float[] x, int n, int bits,
            int groupSize, ObjectiveFn objective) {
        if (weights.length == 0 || weights.length != outs.length) {
            throw new IllegalArgumentException("awq: need one out size per weight, got " + weights.length
                    + " weights and " + outs.length + " sizes");
        }
        Shapes.bits(bits);
        int gs = Shapes.groupSize(groupSize, in, "awq");
        float[] xMean = activationMeans(x, n, in);
        float[] wMean = weightMeans(weights, outs, in, gs);
        int maxq = (1 << bits) - 1;

        float[] ones = new float[in];
        Arrays.fill(ones, 1f);
        double rtnLoss = objective.loss(candidates(weights, outs, in, ones, gs, maxq));
        float[] best = ones;
        double bestLoss = rtnLoss;
        double bestRatio = Double.NaN;
        for (int i = 0; i < SCALE_GRID; i++) {
            double ratio = (double) i / SCALE_GRID;
            float[] s = scales(xMean, wMean, (float) ratio);
            double loss = objective.loss(candidates(weights, outs, in, s, gs, maxq));
            if (loss < bestLoss) {
                bestLoss = loss;
                best = s;
                bestRatio = ratio;
            }
        }
        return new AwqScales(best, bestRatio, bestLoss, rtnLoss);
    }

    /** The duo-scaling candidate for one ratio, computed in float as the reference does. */
    static float[] scales(float[] xMean, float[] wMean, float ratio) {
        int in = xMean.length;
        float[] s = new float[in];
        float max = Float.NEGATIVE_INFINITY;
        float min = Float.POSITIVE_INFINITY;
        for (int k = 0; k < in; k++) {
            float v = (float) (Math.pow(xMean[k], ratio) / (Math.pow(wMean[k], 1 - ratio) + 1e-4));
            s[k] = Math.max(v, 1e-4f);
            max = Math.max(max, s[k]);
            min = Math.min(min, s[k]);
        }
        float norm = (float) Math.sqrt(max * min);
        for (int k = 0; k < in; k++) {
            float v = s[k] / norm;
            s[k] = Float.isFinite(v) ? v : 1f; // the reference resets overflowed scales to 1
        }
        return s;
    }

    /** Q(W·diag(s))·diag(1/s) for every linear. */
    private static float[][] candidates(float[][] weights, int[] outs, int in, float[] s, int gs, int maxq) {
        float[][] c = new float[weights.length][];
        for (int i = 0; i < weights.length; i++) {
            float[] w = weights[i].clone();
            int out = outs[i];
            Parallel.forRange(out, 16, (from, to) -> {
                for (int o = from; o < to; o++) {
                    int row = o * in;
                    for (int k = 0; k < in; k++) {
                        w[row + k] *= s[k];
                    }
                    for (int g = 0; g < in; g += gs) {
                        AwqRtn.fakeQuantize(w, row + g, gs, maxq);
                    }
                    for (int k = 0; k < in; k++) {
                        w[row + k] /= s[k];
                    }
                }
            });
            c[i] = w;
        }
        return c;
    }

    /**
     * AutoAWQ {@code _compute_best_clip}: for every (row, group), the bound max|w| · (1 - i/20), i in [0, 10), whose
     * clamped-then-quantized group gives the least mean squared error of the group's partial output x_g · w_g over
     * evenly sub-sampled tokens (every max(1, n / 512)-th). Shrink 0 is on the grid, so no group gets worse. The
     * reference batches output channels only to bound GPU memory; rows run in parallel here instead.
     */
    public static AwqClip searchClip(float[] w, int out, int in, float[] x, int n, int bits, int groupSize) {
        Shapes.check(w, out, in, "awq clip weight");
        Shapes.check(x, n, in, "awq clip input");
        Shapes.bits(bits);
        int gs = Shapes.groupSize(groupSize, in, "awq clip");
        int groups = in / gs;
        int maxq = (1 << bits) - 1;
        int step = Math.max(1, n / CLIP_SAMPLE_TOKENS);
        int tokens = (n + step - 1) / step;
        float[] xs = new float[tokens * in];
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(x, t * step * in, xs, t * in, in);
        }
        float[] maxValues = new float[out * groups];
        double[] bestErr = new double[out * groups];
        double[] baseErr = new double[out * groups];
        int shrinks = (int) (MAX_SHRINK * CLIP_GRID);
        Parallel.forRange(out, 1, (from, to) -> {
            float[] cur = new float[gs];
            double[] ref = new double[tokens];
            for (int o = from; o < to; o++) {
                for (int g = 0; g < groups; g++) {
                    int wOff = o * in + g * gs;
                    int xOff = g * gs;
                    float orgMax = 0;
                    for (int k = 0; k < gs; k++) {
                        orgMax = Math.max(orgMax, Math.abs(w[wOff + k]));
                        cur[k] = w[wOff + k];
                    }
                    for (int t = 0; t < tokens; t++) {
                        ref[t] = partialDot(xs, t * in + xOff, cur, gs);
                    }
                    int pg = o * groups + g;
                    double minErr = 1e9;
                    float best = orgMax;
                    for (int i = 0; i < shrinks; i++) {
                        float maxVal = (float) (orgMax * (1 - (double) i / CLIP_GRID));
                        for (int k = 0; k < gs; k++) {
                            cur[k] = Math.max(-maxVal, Math.min(maxVal, w[wOff + k]));
                        }
                        AwqRtn.fakeQuantize(cur, 0, gs, maxq);
                        double err = 0;
                        for (int t = 0; t < tokens; t++) {
                            double d = partialDot(xs, t * in + xOff, cur, gs) - ref[t];
                            err += d * d;
                        }
                        err /= tokens;
                        if (i == 0) {
                            baseErr[pg] = err;
                        }
                        if (err < minErr) {
                            minErr = err;
                            best = maxVal;
                        }
                    }
                    maxValues[pg] = best;
                    bestErr[pg] = minErr;
                }
            }
        });
        double error = 0;
        double unclipped = 0;
        for (int i = 0; i < bestErr.length; i++) {
            error += bestErr[i];
            unclipped += baseErr[i];
        }
        return new AwqClip(maxValues, error, unclipped);
    }

    /** Clamps w [out, in] in place to [-max, max] per (row, group) (AutoAWQ {@code apply_clip}). */
    public static void applyClip(float[] w, int out, int in, int groupSize, float[] maxValues) {
        Shapes.check(w, out, in, "awq clip weight");
        int gs = Shapes.groupSize(groupSize, in, "awq clip");
        int groups = in / gs;
        if (maxValues.length != out * groups) {
            throw new IllegalArgumentException("awq clip: expected " + out * groups + " bounds, got "
                    + maxValues.length);
        }
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                float m = maxValues[o * groups + k / gs];
                w[o * in + k] = Math.max(-m, Math.min(m, w[o * in + k]));
            }
        }
    }

    private static double partialDot(float[] x, int xOff, float[] w, int len) {
        double s = 0;
        for (int k = 0; k < len; k++) {
            s += (double) x[xOff + k] * w[k];
        }
        return s;
    }
}
