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
 * The AWQ kernel each fp16 product runs on, per layer shape: what {@link AwqKernelTuner} timed fastest on this device
 * for the bucket of row counts m falls in. m runs on the choice of the smallest bucket at or above it (3 rows on 4's,
 * 300 on 512's), more rows than the largest on the largest's (prefill of that size is compute-bound: the ratio of the
 * two GEMMs holds). Shapes not tuned and fp32 outputs the chosen kernel cannot write run on the properties' choice
 * ({@link LinearDispatch#awqConfigured}).
 */
final class AwqKernelTable {
    /** The row counts timed: the decode sizes the few-token kernels serve, then prefill sizes. */
    static final int[] BUCKETS = {1, 2, 4, 8, 16, AwqTokensPlan.MAX_TOKENS, 64, 128, 256, 512};
    static final int LARGEST_BUCKET = BUCKETS[BUCKETS.length - 1];
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
        List<Bucket> buckets = tuned.get(Shape.of(w));
        if (buckets != null && (long) m * w.outFeatures() <= Integer.MAX_VALUE) { // past it, the GEMV a row alone
            AwqChoice c = buckets.get(bucket(m)).choice();
            if (!f32Out || !writesFp16Only(c)) {
                return c;
            }
        }
        return LinearDispatch.awqConfigured(m, w.outFeatures(), w.inFeatures(), w.groupSize(), f32Out);
    }

    /**
     * Bytes of split-K partials (and the dequantized layer) {@code w}'s products need at any m in 1..maxTokens: the
     * untuned rule's (fp32 outputs, untuned shapes) and those of each bucket's choice at the row counts it serves.
     */
    long workspaceBytes(AwqDeviceWeights w, int maxTokens, int multiprocessors) {
        int n = w.outFeatures();
        int k = w.inFeatures();
        long bytes = LinearDispatch.awqWorkspaceBytes(n, k, w.groupSize(), maxTokens, multiprocessors);
        if (tuned.containsKey(Shape.of(w))) {
            for (int m = 1; m <= maxTokens; m++) {
                bytes = Math.max(bytes, LinearDispatch.workspaceBytes(choose(w, m, false), m, n, k, w.groupSize(),
                        multiprocessors));
            }
        }
        return bytes;
    }

    private static boolean writesFp16Only(AwqChoice c) {
        return c.kernel() == LinearDispatch.Kernel.AWQ_GEMM || c.kernel() == LinearDispatch.Kernel.AWQ_DEQUANT_GEMM;
    }

    /** Index of the smallest bucket holding m rows, the largest past it. */
    static int bucket(int m) {
        if (m < 1) {
            throw new IllegalArgumentException(m + " rows: an AWQ product has 1 or more");
        }
        for (int i = 0; i < BUCKETS.length; i++) {
            if (m <= BUCKETS[i]) {
                return i;
            }
        }
        return BUCKETS.length - 1; // LARGEST_BUCKET's
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
            Double micros = b.micros().get(b.choice());
            line.append(i == 0 ? "" : "; ").append(String.format(Locale.ROOT, "m=%d %s ", BUCKETS[i], b.choice()))
                    .append(micros == null ? "untimed" : String.format(Locale.ROOT, "%.1f µs", micros));
            line.append(others.isEmpty() ? "" : " (" + others + ")");
        }
        return line.toString();
    }
}
