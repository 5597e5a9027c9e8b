package io.quantserve.engine.linear;

import io.quantserve.engine.kernel.MemoryBandwidth;
import io.quantserve.engine.kernel.Parallel;
import java.util.Arrays;
import java.util.Random;

/**
 * Decode throughput of the packed b-bit kernel, not a test: run its main from the test classpath with
 * --add-modules jdk.incubator.vector. Like MatmulBenchmark, it cycles through matrices totalling well beyond the last
 * level cache, so the figures are DRAM figures. Arguments: [rows cols [bits [groupSize]]] (default 2048 8192 4 128).
 * GB/s counts the packed bytes (integers, scales and scaled zeros) read per product. -DcacheBytes=1 measures one
 * cache-resident matrix instead (the compute ceiling of the kernel).
 */
public final class GroupIntBenchmark {
    private static final long CACHE_BEATING_BYTES = Long.getLong("cacheBytes", 256L << 20);

    public static void main(String[] args) {
        int rows = args.length > 1 ? Integer.parseInt(args[0]) : 2048;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 8192;
        int bits = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int groupSize = args.length > 3 ? Integer.parseInt(args[3]) : 128;
        System.out.printf("memory read bandwidth: %.1f GB/s (%d threads)%n",
                MemoryBandwidth.measureReadGBps(), Parallel.threads());
        Random rnd = new Random(1);
        float[] w = new float[rows * cols];
        GroupIntLinear first = null;
        GroupIntLinear[] layers = null;
        for (int m = 0; layers == null || m < layers.length; m++) {
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) rnd.nextGaussian() * 0.02f;
            }
            GroupIntLinear layer = GroupIntLinear.quantize(w, rows, cols, bits, groupSize);
            if (layers == null) {
                layers = new GroupIntLinear[(int) Math.max(2, CACHE_BEATING_BYTES / layer.weightBytes() + 1)];
            }
            layers[m] = layer;
            first = first == null ? layer : first;
        }
        System.out.printf("%d-bit group %d, %dx%d (%.2f MiB each, %.3f bits/weight, %d matrices)%n", bits, groupSize, rows,
                cols, first.weightBytes() / 1048576.0, first.weightBytes() * 8.0 / ((long) rows * cols), layers.length);
        report(layers, true);
        report(layers, false);
    }

    private static void report(GroupIntLinear[] layers, boolean oneThread) {
        int rows = layers[0].outFeatures();
        int cols = layers[0].inFeatures();
        float[] x = new float[cols];
        Random rnd = new Random(2);
        for (int i = 0; i < cols; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] y = new float[rows];
        int reps = 40;
        long[] nanos = new long[reps];
        for (int round = 0; round < 5; round++) { // the first rounds are warm-up for the JIT
            for (int i = 0; i < reps; i++) {
                GroupIntLinear layer = layers[i % layers.length];
                long start = System.nanoTime();
                if (oneThread) {
                    layer.matvecRows(x, 0, y, 0, 0, rows);
                } else {
                    layer.apply(x, y, 1);
                }
                nanos[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(nanos);
        double median = nanos[reps / 2];
        System.out.printf("  %-8s %8.3f ms  %6.1f GB/s packed  %6.2f G weights/s  (F32 equivalent %5.1f GB/s)%n",
                oneThread ? "1 thread" : Parallel.threads() + " thr", median / 1e6, layers[0].weightBytes() / median,
                (double) rows * cols / median, 4.0 * rows * cols / median);
    }
}
