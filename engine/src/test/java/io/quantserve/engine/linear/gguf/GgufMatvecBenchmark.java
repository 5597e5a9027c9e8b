package io.quantserve.engine.linear.gguf;

import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.kernel.MemoryBandwidth;
import io.quantserve.engine.kernel.Parallel;
import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.linear.DenseLinear;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

/**
 * Decode (one token) throughput of the GGUF block kernels next to F32, not a test: run its main from the test
 * classpath with --add-modules jdk.incubator.vector. Several matrices are cycled so the weights come from DRAM.
 * GB/s counts the bytes of packed weight read; "x F32" is the speed-up in time over the F32 matrix. Threads are
 * the kernel pool's; each format is also timed on one thread ({@code matvecRows} over all rows). -DcacheBytes=1
 * measures one cache-resident matrix instead (the compute ceiling of the kernels); -Dtypes=Q4_0,... picks the
 * formats; -Dtokens=N times a batch of N decodes (one apply of N tokens) instead of one. Arguments: [rows cols]
 * (default 2048 8192).
 */
public final class GgufMatvecBenchmark {
    private static final long CACHE_BEATING_BYTES = Long.getLong("cacheBytes", 256L << 20);
    private static final int TOKENS = Integer.getInteger("tokens", 1);

    public static void main(String[] args) {
        int rows = args.length > 1 ? Integer.parseInt(args[0]) : 2048;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 8192;
        System.out.printf("memory read bandwidth: %.1f GB/s (%d threads), kernels %s%n",
                MemoryBandwidth.measureReadGBps(), Parallel.threads(), VectorOps.get().name());
        Random rnd = new Random(1);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * 0.02f;
        }
        float[] x = new float[TOKENS * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        int f32Count = (int) Math.max(2, CACHE_BEATING_BYTES / (4L * rows * cols));
        Linear[] f32 = new Linear[f32Count];
        for (int m = 0; m < f32Count; m++) {
            MemorySegment seg = Arena.ofAuto().allocate(4L * rows * cols, 64);
            MemorySegment.copy(w, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, w.length);
            f32[m] = new DenseLinear(new WeightMatrix(seg, DType.F32, rows, cols), null);
        }
        double f32Ms = report("F32", f32, x, rows, 0);
        GgmlType[] types = Arrays.stream(System.getProperty("types", "Q8_0,Q4_0").split(","))
                .map(String::trim).map(GgmlType::valueOf).toArray(GgmlType[]::new);
        for (GgmlType type : types) {
            long bytes = rows * type.byteSize(cols);
            int count = (int) Math.max(2, CACHE_BEATING_BYTES / bytes);
            GgufLinear[] ls = new GgufLinear[count];
            for (int m = 0; m < count; m++) {
                ls[m] = (GgufLinear) GgufLinears.quantize(type, w, rows, cols);
            }
            report(type.toString(), ls, x, rows, f32Ms);
            if (TOKENS == 1) {
                reportOneThread(type.toString(), ls, x, rows);
            }
        }
    }

    /** The kernel alone on the calling thread. */
    private static void reportOneThread(String name, GgufLinear[] ls, float[] x, int rows) {
        float[] y = new float[rows];
        int reps = 30;
        long[] nanos = new long[reps];
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < reps; i++) {
                long start = System.nanoTime();
                ls[i % ls.length].matvecRows(x, 0, y, 0, 0, rows);
                nanos[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(nanos);
        double ms = nanos[reps / 2] / 1e6;
        System.out.printf("  %-5s 1 thr  %7.3f ms  %6.1f GB/s weights  %5.2f G weights/s%n", name, ms,
                ls[0].weightBytes() / ms / 1e6, (double) rows * x.length / ms / 1e6);
    }

    /** Median ms of one decode matvec. */
    private static double report(String name, Linear[] ls, float[] x, int rows, double f32Ms) {
        float[] y = new float[TOKENS * rows];
        int reps = 30;
        long[] nanos = new long[reps];
        for (int round = 0; round < 4; round++) { // the first rounds are warm-up for the JIT
            for (int i = 0; i < reps; i++) {
                Linear l = ls[i % ls.length];
                long start = System.nanoTime();
                l.apply(x, y, TOKENS);
                nanos[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(nanos);
        double ms = nanos[reps / 2] / 1e6;
        System.out.printf("  %-5s %d thr  %d token(s) %7.3f ms  %6.1f GB/s weights%s%n", name, Parallel.threads(),
                TOKENS, ms, ls[0].weightBytes() / ms / 1e6, f32Ms > 0 ? String.format("  %.2fx F32", f32Ms / ms) : "");
        return ms;
    }
}
