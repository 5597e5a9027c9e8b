package io.quantserve.engine.benchserve;

/**
 * Percentiles the way numpy's default ({@code method="linear"}) computes them, so our reports line up with vLLM's,
 * which uses {@code np.percentile}.
 */
public final class Percentiles {
    private Percentiles() {
    }

    /**
     * The {@code p}-th percentile (0..100) of already sorted values: the value at fractional rank {@code p/100 * (n-1)},
     * interpolated linearly between its two neighbours. NaN for no values.
     */
    public static double ofSorted(double[] sorted, double p) {
        if (!(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be within 0..100, got " + p);
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double rank = p / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
