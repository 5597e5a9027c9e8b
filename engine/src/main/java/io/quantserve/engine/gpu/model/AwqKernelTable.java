package io.quantserve.engine.gpu.model;

import io.quantserve.engine.gpu.AwqDeviceWeights;
import io.quantserve.engine.gpu.AwqTokensPlan;
import io.quantserve.engine.gpu.model.LinearDispatch.AwqChoice;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The AWQ kernel each decode-sized product (1..{@value AwqTokensPlan#MAX_TOKENS} rows) runs on, per layer shape:
 * what {@link AwqKernelTuner} timed fastest on this device for the bucket of row counts m falls in (m runs on the
 * choice of the smallest bucket at or above it: 3 rows on 4's). Shapes not tuned, more rows, and fp32 outputs the
 * chosen kernel cannot write run on the properties' choice ({@link LinearDispatch#awqConfigured}).
 */
final class AwqKernelTable {
    /** The row counts timed. */
    static final int[] BUCKETS = {1, 2, 4, 8, 16, AwqTokensPlan.MAX_TOKENS};
    /** No tuning: every product on the properties' choice. */
    static final AwqKernelTable CONFIGURED = new AwqKernelTable(Map.of());

    /** An AWQ layer's shape as the kernels see it. */
    record Shape(int inFeatures, int outFeatures, int groupSize) {
        static Shape of(AwqDeviceWeights w) {
            return new Shape(w.inFeatures(), w.outFeatures(), w.groupSize());
        }

        @Override
        public String toString() {
            return inFeatures + "->" + outFeatures + " group " + groupSize;
        }
    }

    /** One bucket's outcome: the choice, and the µs a call each candidate took that matched the reference. */
    record Bucket(AwqChoice choice, Map<AwqChoice, Double> micros) {
        Bucket {
            micros = Collections.unmodifiableMap(new LinkedHashMap<>(micros));
        }
    }

    private final Map<Shape, List<Bucket>> tuned;

    AwqKernelTable(Map<Shape, List<Bucket>> tuned) {
        tuned.forEach((shape, buckets) -> {
            if (buckets.size() != BUCKETS.length) {
                throw new IllegalArgumentException(shape + ": " + buckets.size() + " buckets, not " + BUCKETS.length);
            }
        });
        this.tuned = Map.copyOf(tuned);
    }

    /** The kernel for m rows of {@code w}. */
    AwqChoice choose(AwqDeviceWeights w, int m, boolean f32Out) {
        List<Bucket> buckets = m <= AwqTokensPlan.MAX_TOKENS ? tuned.get(Shape.of(w)) : null;
        if (buckets != null) {
            AwqChoice c = buckets.get(bucket(m)).choice();
            if (!f32Out || c.kernel() != LinearDispatch.Kernel.AWQ_GEMM) { // the W4A16 GEMM writes fp16 only
                return c;
            }
        }
        return LinearDispatch.awqConfigured(m, w.outFeatures(), w.inFeatures(), w.groupSize(), f32Out);
    }

    /** Index of the smallest bucket holding m rows (1..{@value AwqTokensPlan#MAX_TOKENS}). */
    static int bucket(int m) {
        for (int i = 0; i < BUCKETS.length; i++) {
            if (m <= BUCKETS[i]) {
                return i;
            }
        }
        throw new IllegalArgumentException(m + " rows is past the largest bucket, " + BUCKETS[BUCKETS.length - 1]);
    }

    /** One line a shape: each bucket's choice and what the others took, e.g. {@code m=1 gemv-ring 10.2 µs (...)}. */
    List<String> describe() {
        return tuned.entrySet().stream()
                .sorted(Map.Entry.comparingByKey((a, b) -> a.toString().compareTo(b.toString())))
                .map(e -> e.getKey() + ": " + describe(e.getValue())).toList();
    }

    private static String describe(List<Bucket> buckets) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < BUCKETS.length; i++) {
            Bucket b = buckets.get(i);
            String others = b.micros().entrySet().stream().filter(e -> !e.getKey().equals(b.choice()))
                    .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue()))
                    .collect(Collectors.joining(", "));
            line.append(i == 0 ? "" : "; ").append(String.format(Locale.ROOT, "m=%d %s %.1f µs", BUCKETS[i],
                    b.choice(), b.micros().getOrDefault(b.choice(), Double.NaN)));
            line.append(others.isEmpty() ? "" : " (" + others + ")");
        }
        return line.toString();
    }
}
