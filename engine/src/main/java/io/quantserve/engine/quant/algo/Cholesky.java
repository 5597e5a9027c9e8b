package io.quantserve.engine.quant.algo;

import io.quantserve.engine.kernel.Parallel;

/**
 * The dense factorisations GPTQ needs, on symmetric positive definite double matrices [n, n] row-major. Every inner
 * loop is a dot product over two contiguous rows, and independent rows or columns run in parallel.
 */
final class Cholesky {

    private Cholesky() {
    }

    /** Lower L with A = L Lᵀ (zeros above the diagonal), or an error naming the failing pivot. */
    static double[] lower(double[] a, int n, String what) {
        double[] l = new double[a.length];
        for (int j = 0; j < n; j++) {
            int rj = j * n;
            double d = a[rj + j] - dot(l, rj, l, rj, j);
            if (!(d > 0)) {
                throw new IllegalArgumentException(what + ": matrix not positive definite at column " + j
                        + " (increase damp_percent or add calibration data)");
            }
            double ljj = Math.sqrt(d);
            l[rj + j] = ljj;
            int col = j;
            // Column j below the diagonal (Cholesky–Crout): each row only reads finished columns.
            Parallel.forRange(n - j - 1, Math.max(1, 16384 / (j + 1)), (from, to) -> {
                for (int i = col + 1 + from; i < col + 1 + to; i++) {
                    int ri = i * n;
                    l[ri + col] = (a[ri + col] - dot(l, ri, l, rj, col)) / ljj;
                }
            });
        }
        return l;
    }

    /**
     * Upper U with inverse(A) = Uᵀ U: torch's {@code cholesky(cholesky_inverse(cholesky(A)), upper=True)} as in
     * fasterquant.
     */
    static double[] upperOfInverse(double[] a, int n, String what) {
        double[] l = lower(a, n, what);
        // m = (L⁻¹)ᵀ, upper triangular, row c holding column c of L⁻¹ so substitution reads contiguous rows.
        double[] m = new double[a.length];
        Parallel.forRange(n, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                int rc = c * n;
                m[rc + c] = 1.0 / l[c * n + c];
                for (int i = c + 1; i < n; i++) {
                    int ri = i * n;
                    m[rc + i] = -dot(l, ri + c, m, rc + c, i - c) / l[ri + i];
                }
            }
        });
        // inverse(A) = (L⁻¹)ᵀ L⁻¹, entry (a, b) = Σ_{k ≥ max(a, b)} m[a][k] m[b][k].
        double[] inv = new double[a.length];
        Parallel.forRange(n, 1, (from, to) -> {
            for (int r = from; r < to; r++) {
                for (int c = r; c < n; c++) {
                    double v = dot(m, r * n + c, m, c * n + c, n - c);
                    inv[r * n + c] = v;
                    inv[c * n + r] = v;
                }
            }
        });
        double[] l2 = lower(inv, n, what);
        double[] u = new double[a.length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                u[j * n + i] = l2[i * n + j];
            }
        }
        return u;
    }

    static double dot(double[] a, int aOff, double[] b, int bOff, int len) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = 0;
        for (; k + 3 < len; k += 4) {
            s0 += a[aOff + k] * b[bOff + k];
            s1 += a[aOff + k + 1] * b[bOff + k + 1];
            s2 += a[aOff + k + 2] * b[bOff + k + 2];
            s3 += a[aOff + k + 3] * b[bOff + k + 3];
        }
        for (; k < len; k++) {
            s0 += a[aOff + k] * b[bOff + k];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
