package io.quantserve.engine.quant;

import java.util.Arrays;

/**
 * Captures the inputs [tokens, width] a linear layer sees, keeping every {@code stride}-th token up to a budget,
 * so statistics and search objectives see tokens from every calibration sequence without holding all of them.
 * Also keeps the per-channel mean and max of |x| over every token seen (AWQ and SmoothQuant statistics).
 */
final class TokenSample implements FloatLinear.Capture {
    private final int width;
    private final int stride;
    private final int maxRows;
    private float[] rows;
    private int count;
    private long seen;
    private final double[] absSum;
    private final float[] absMax;

    TokenSample(int width, long totalTokens, int maxRows) {
        this.width = width;
        this.maxRows = maxRows;
        this.stride = (int) Math.max(1, (totalTokens + maxRows - 1) / maxRows);
        this.rows = new float[Math.min(maxRows, 256) * width];
        this.absSum = new double[width];
        this.absMax = new float[width];
    }

    @Override
    public void inputs(float[] x, int tokens) {
        for (int t = 0; t < tokens; t++, seen++) {
            int off = t * width;
            for (int c = 0; c < width; c++) {
                float a = Math.abs(x[off + c]);
                absSum[c] += a;
                absMax[c] = Math.max(absMax[c], a);
            }
            if (seen % stride == 0 && count < maxRows) {
                if ((count + 1) * width > rows.length) {
                    rows = Arrays.copyOf(rows, Math.min(maxRows, count * 2) * width);
                }
                System.arraycopy(x, off, rows, count * width, width);
                count++;
            }
        }
    }

    /** The kept tokens [count(), width]. */
    float[] rows() {
        return Arrays.copyOf(rows, count * width);
    }

    int count() {
        return count;
    }

    float[] meanAbs() {
        float[] mean = new float[width];
        for (int c = 0; c < width; c++) {
            mean[c] = (float) (absSum[c] / Math.max(1, seen));
        }
        return mean;
    }

    float[] maxAbs() {
        return absMax.clone();
    }

    /** Divides the kept tokens' channels by {@code s}: the inputs after a smoothing scale is folded upstream. */
    void divideChannels(float[] s) {
        for (int r = 0; r < count; r++) {
            for (int c = 0; c < width; c++) {
                rows[r * width + c] /= s[c];
            }
        }
    }
}
