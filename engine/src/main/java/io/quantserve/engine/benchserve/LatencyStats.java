package io.quantserve.engine.benchserve;

import java.util.Arrays;
import java.util.Collection;

/** Summary of one latency metric, in milliseconds; every field is NaN when there were no samples. */
public record LatencyStats(int count, double meanMs, double medianMs, double p90Ms, double p99Ms) {

    public static LatencyStats ofSeconds(Collection<Double> seconds) {
        double[] ms = seconds.stream().mapToDouble(s -> s * 1000).sorted().toArray();
        double mean = ms.length == 0 ? Double.NaN : Arrays.stream(ms).sum() / ms.length;
        return new LatencyStats(ms.length, mean, Percentiles.ofSorted(ms, 50), Percentiles.ofSorted(ms, 90),
                Percentiles.ofSorted(ms, 99));
    }
}
