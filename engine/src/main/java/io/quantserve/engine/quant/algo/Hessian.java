package io.quantserve.engine.quant.algo;

import io.quantserve.engine.kernel.Parallel;

import java.util.Arrays;

/**
 * GPTQ's H = 2/N Σ x xᵀ over the calibration inputs of one linear layer, kept as AutoGPTQ's running average
 * ({@code H *= n/(n+m); n += m; H += (sqrt(2/n) X)ᵀ (sqrt(2/n) X)}) so batches can be added as they come. Held in
 * double (the reference uses float32): long calibration runs add many small terms, and the Cholesky factorisations
 * GPTQ runs on it lose precision first. Samples are counted per token row; AutoGPTQ counts sequences, which only
 * scales H and the reported loss — damping is relative to mean(diag H), so the quantized result is the same.
 */
public final class Hessian {
    private final int columns;
    private final double[] h; // [columns, columns], symmetric, both triangles kept
    private long samples;

    public Hessian(int columns) {
        if (columns < 1) {
            throw new IllegalArgumentException("hessian: columns must be positive, got " + columns);
        }
        this.columns = columns;
        this.h = new double[Math.multiplyExact(columns, columns)];
    }

    public int columns() {
        return columns;
    }

    public long samples() {
        return samples;
    }

    /** Adds {@code rows} inputs x [rows, columns] (row-major). */
    public void add(float[] x, int rows) {
        Shapes.check(x, rows, columns, "hessian input");
        double decay = (double) samples / (samples + rows);
        samples += rows;
        double gain = 2.0 / samples;
        int n = columns;
        double[] xd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            xd[i] = x[i];
        }
        // Upper triangle, one row of H per task so each row stays in cache while the tokens stream past.
        Parallel.forRange(n, 8, (from, to) -> {
            double[] acc = new double[n];
            for (int i = from; i < to; i++) {
                Arrays.fill(acc, i, n, 0.0);
                for (int t = 0; t < rows; t++) {
                    double xi = xd[t * n + i];
                    if (xi == 0) {
                        continue;
                    }
                    int base = t * n;
                    for (int j = i; j < n; j++) {
                        acc[j] += xi * xd[base + j];
                    }
                }
                int row = i * n;
                for (int j = i; j < n; j++) {
                    h[row + j] = h[row + j] * decay + gain * acc[j];
                }
            }
        });
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                h[j * n + i] = h[i * n + j];
            }
        }
    }

    /** A copy of H [columns, columns]. */
    public double[] matrix() {
        return h.clone();
    }
}
