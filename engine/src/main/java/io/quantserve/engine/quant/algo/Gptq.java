package io.quantserve.engine.quant.algo;

import io.quantserve.engine.kernel.Parallel;
import io.quantserve.engine.quant.QuantizedWeight;

import java.util.Arrays;

/**
 * GPTQ (Frantar et al. 2022) as AutoGPTQ's {@code GPTQ.fasterquant}: dead columns, act-order permutation, relative
 * damping, the upper Cholesky factor of H⁻¹, and column-by-column quantization whose error is spread over the columns
 * not yet quantized — within a block of {@code blockSize} columns at once, beyond it lazily once per block.
 *
 * <p>Reference details kept on purpose: per-channel parameters come from the weight before dead columns are zeroed;
 * a group's parameters are found when its first column comes up, from the weight as updated up to the last block
 * boundary (the reference reads {@code W}, not the block copy {@code W1}); static groups take theirs from the
 * unpermuted weight before any update. Works in double (the reference in float32). Every output row is independent
 * once H⁻¹ is known, so rows are processed in parallel, a few at a time so each row of H⁻¹ is read once per batch.
 */
public final class Gptq {
    /** Rows that share each pass over H⁻¹. */
    private static final int ROW_BATCH = 16;

    private Gptq() {
    }

    public static GptqResult quantize(float[] w, int out, int in, Hessian hessian, GptqOptions o) {
        Shapes.check(w, out, in, "gptq weight");
        if (hessian.columns() != in) {
            throw new IllegalArgumentException("gptq: hessian has " + hessian.columns() + " columns, weight has "
                    + in + " input features");
        }
        if (hessian.samples() == 0) {
            throw new IllegalArgumentException("gptq: hessian has no calibration samples");
        }
        int gs = Shapes.groupSize(o.groupSize(), in, "gptq");
        boolean grouped = o.groupSize() != -1;
        int groups = in / gs;
        int maxq = (1 << o.bits()) - 1;
        double[] h = hessian.matrix();

        // Per-channel parameters: from the weight as given (fasterquant calls find_params before dead columns).
        float[] channelScale = new float[out];
        float[] channelZero = new float[out];
        if (!grouped) {
            float[] p = new float[2];
            for (int r = 0; r < out; r++) {
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = r * in; k < (r + 1) * in; k++) {
                    min = Math.min(min, w[k]);
                    max = Math.max(max, w[k]);
                }
                Rtn.findParams(min, max, maxq, o.symmetric(), p);
                channelScale[r] = p[0];
                channelZero[r] = p[1];
            }
        }

        // Dead columns: no input ever reached them, so their weights cannot matter; H gets a 1 to stay invertible.
        double[] wd = new double[out * in];
        for (int i = 0; i < wd.length; i++) {
            wd[i] = w[i];
        }
        for (int c = 0; c < in; c++) {
            if (h[c * in + c] == 0) {
                h[c * in + c] = 1;
                for (int r = 0; r < out; r++) {
                    wd[r * in + c] = 0;
                }
            }
        }

        float[] staticScale = null;
        float[] staticZero = null;
        if (grouped && o.staticGroups()) {
            staticScale = new float[out * groups];
            staticZero = new float[out * groups];
            float[] p = new float[2];
            for (int r = 0; r < out; r++) {
                for (int g = 0; g < groups; g++) {
                    float[] mm = minMax(wd, r * in + g * gs, gs);
                    Rtn.findParams(mm[0], mm[1], maxq, o.symmetric(), p);
                    staticScale[r * groups + g] = p[0];
                    staticZero[r * groups + g] = p[1];
                }
            }
        }

        int[] perm = identity(in);
        if (o.descAct()) {
            perm = descendingDiagonal(h, in);
            wd = permuteColumns(wd, out, in, perm);
            h = permuteSymmetric(h, in, perm);
        }

        double mean = 0;
        for (int c = 0; c < in; c++) {
            mean += h[c * in + c];
        }
        double damp = o.dampPercent() * mean / in;
        for (int c = 0; c < in; c++) {
            h[c * in + c] += damp;
        }
        double[] u = Cholesky.upperOfInverse(h, in, "gptq");

        int[] qPerm = new int[out * in];
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        double[] rowLoss = new double[out];
        int[] order = perm;
        float[] sScale = staticScale;
        float[] sZero = staticZero;
        double[] wWork = wd;
        Parallel.forRange(out, 1, (from, to) -> {
            for (int r0 = from; r0 < to; r0 += ROW_BATCH) {
                Rows rows = new Rows(r0, Math.min(to, r0 + ROW_BATCH));
                rows.run(wWork, in, u, o, gs, grouped, maxq, order, channelScale, channelZero, sScale, sZero,
                        qPerm, scales, zeros, rowLoss);
            }
        });

        // Codes and g_idx back in the original column order.
        int[] q = new int[out * in];
        int[] gIdx = new int[in];
        for (int p = 0; p < in; p++) {
            int c = perm[p];
            gIdx[c] = !grouped ? 0 : o.staticGroups() ? c / gs : p / gs;
            for (int r = 0; r < out; r++) {
                q[r * in + c] = qPerm[r * in + p];
            }
        }
        double loss = 0;
        for (double l : rowLoss) {
            loss += l;
        }
        return new GptqResult(new QuantizedWeight(o.bits(), gs, out, in, q, scales, zeros, gIdx, o.symmetric()),
                loss);
    }

    /** A batch of output rows [r0, r1) run through fasterquant's column loop together. */
    private record Rows(int r0, int r1) {

        void run(double[] w, int in, double[] u, GptqOptions o, int gs, boolean grouped, int maxq, int[] perm,
                float[] channelScale, float[] channelZero, float[] staticScale, float[] staticZero, int[] q,
                float[] scales, float[] zeros, double[] rowLoss) {
            int rows = r1 - r0;
            int groups = in / gs;
            int block = o.blockSize();
            double[] w1 = new double[rows * block];
            double[] err = new double[rows * block];
            float[] scale = new float[rows];
            float[] zero = new float[rows];
            float[] p = new float[2];
            for (int r = 0; r < rows; r++) {
                scale[r] = grouped ? 0 : channelScale[r0 + r];
                zero[r] = grouped ? 0 : channelZero[r0 + r];
            }
            for (int i1 = 0; i1 < in; i1 += block) {
                int i2 = Math.min(i1 + block, in);
                int count = i2 - i1;
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(w, (r0 + r) * in + i1, w1, r * block, count);
                }
                for (int i = 0; i < count; i++) {
                    int col = i1 + i;
                    int urow = col * in;
                    double d = u[urow + col];
                    for (int r = 0; r < rows; r++) {
                        int row = r0 + r;
                        if (grouped && !o.staticGroups() && col % gs == 0) {
                            int g = col / gs;
                            float[] mm = minMax(w, row * in + col, gs);
                            Rtn.findParams(mm[0], mm[1], maxq, o.symmetric(), p);
                            scale[r] = p[0];
                            zero[r] = p[1];
                            scales[row * groups + g] = p[0];
                            zeros[row * groups + g] = p[1];
                        }
                        float s = scale[r];
                        float z = zero[r];
                        if (grouped && o.staticGroups()) {
                            // Static groups belong to original columns; fasterquant looks one up per column.
                            int sg = row * groups + perm[col] / gs;
                            s = staticScale[sg];
                            z = staticZero[sg];
                        }
                        int b = r * block;
                        double x = w1[b + i];
                        int code = Rtn.code(x, s, z, maxq);
                        q[row * in + col] = code;
                        double deq = s * (code - z);
                        double e = (x - deq) / d;
                        rowLoss[row] += (x - deq) * (x - deq) / (d * d) / 2;
                        err[b + i] = e;
                        for (int j = i + 1; j < count; j++) {
                            w1[b + j] -= e * u[urow + i1 + j];
                        }
                    }
                }
                // Lazy batch update of the columns after this block.
                for (int r = 0; r < rows; r++) {
                    int wr = (r0 + r) * in;
                    for (int i = 0; i < count; i++) {
                        double e = err[r * block + i];
                        int urow = (i1 + i) * in;
                        for (int j = i2; j < in; j++) {
                            w[wr + j] -= e * u[urow + j];
                        }
                    }
                }
            }
            if (grouped && o.staticGroups()) {
                for (int r = r0; r < r1; r++) {
                    System.arraycopy(staticScale, r * groups, scales, r * groups, groups);
                    System.arraycopy(staticZero, r * groups, zeros, r * groups, groups);
                }
            } else if (!grouped) {
                for (int r = r0; r < r1; r++) {
                    scales[r] = channelScale[r];
                    zeros[r] = channelZero[r];
                }
            }
        }
    }

    private static float[] minMax(double[] w, int from, int len) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int k = from; k < from + len; k++) {
            min = Math.min(min, (float) w[k]);
            max = Math.max(max, (float) w[k]);
        }
        return new float[] {min, max};
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    /** argsort(diag(H), descending), ties in column order (a stable sort, as torch's on CPU). */
    private static int[] descendingDiagonal(double[] h, int n) {
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(h[b * n + b], h[a * n + a]));
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = idx[i];
        }
        return p;
    }

    private static double[] permuteColumns(double[] w, int out, int in, int[] perm) {
        double[] pw = new double[w.length];
        for (int r = 0; r < out; r++) {
            for (int p = 0; p < in; p++) {
                pw[r * in + p] = w[r * in + perm[p]];
            }
        }
        return pw;
    }

    private static double[] permuteSymmetric(double[] h, int n, int[] perm) {
        double[] ph = new double[h.length];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                ph[a * n + b] = h[perm[a] * n + perm[b]];
            }
        }
        return ph;
    }
}
