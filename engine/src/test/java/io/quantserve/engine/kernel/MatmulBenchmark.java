package io.quantserve.engine.kernel;

import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/**
 * Throughput of matmul, not a test: run its main from the test classpath with --add-modules jdk.incubator.vector.
 * Each measurement cycles through several matrices whose total size is well beyond the last level cache, so
 * decode figures are DRAM figures, comparable with {@link MemoryBandwidth#measureReadGBps()}.
 * Arguments: [rows cols [dtype...]] (default 2048 8192 F32 BF16 F16; 2048x8192 is a Llama-sized projection);
 * -Dtokens=1,64 sets the token counts (1 is decode).
 */
public final class MatmulBenchmark {
    private static final long CACHE_BEATING_BYTES = 256L << 20;

    public static void main(String[] args) {
        int rows = args.length > 1 ? Integer.parseInt(args[0]) : 2048;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 8192;
        System.out.printf("memory read bandwidth: %.1f GB/s (%d threads)%n",
                MemoryBandwidth.measureReadGBps(), Parallel.threads());
        int[] tokenCounts = Arrays.stream(System.getProperty("tokens", "1,64").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        VectorOps vector = VectorOps.vector();
        VectorOps scalar = VectorOps.scalar();
        DType[] dtypes = args.length > 2
                ? Arrays.stream(args, 2, args.length).map(DType::valueOf).toArray(DType[]::new)
                : new DType[] {DType.F32, DType.BF16, DType.F16};
        for (DType dtype : dtypes) {
            WeightMatrix[] ws = matrices(dtype, rows, cols);
            System.out.printf("%s %dx%d (%d MiB each, %d matrices)%n", dtype, rows, cols,
                    ws[0].byteSize() >> 20, ws.length);
            for (int tokens : tokenCounts) {
                report(vector, ws, tokens, true);
                report(vector, ws, tokens, false);
            }
            report(scalar, ws, 1, true);
            report(scalar, ws, 1, false);
        }
    }

    private static void report(VectorOps ops, WeightMatrix[] ws, int tokens, boolean oneThread) {
        int rows = ws[0].rows();
        int cols = ws[0].cols();
        float[] x = new float[tokens * cols];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] y = new float[tokens * rows];
        int reps = Math.max(3, (int) Math.min(40, 2_000_000_000L / ((long) rows * cols * tokens)));
        long[] nanos = new long[reps];
        for (int round = 0; round < 4; round++) { // the first rounds are warm-up for the JIT
            for (int i = 0; i < reps; i++) {
                WeightMatrix w = ws[i % ws.length];
                long start = System.nanoTime();
                if (oneThread) {
                    ops.kernels().matmul(w, x, y, tokens).run(0, rows);
                } else {
                    ops.matmul(w, x, y, tokens);
                }
                nanos[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(nanos);
        double median = nanos[reps / 2];
        System.out.printf("  %-12s tokens=%-3d %-8s %8.2f ms  %6.1f GB/s weights  %7.1f GFLOP/s  %7.3f ms/token%n",
                ops.name(), tokens, oneThread ? "1 thread" : Parallel.threads() + " thr", median / 1e6,
                ws[0].byteSize() / median, 2.0 * rows * cols * tokens / median, median / 1e6 / tokens);
    }

    private static WeightMatrix[] matrices(DType dtype, int rows, int cols) {
        long bytes = (long) rows * cols * dtype.bytes();
        int count = (int) Math.max(2, (CACHE_BEATING_BYTES + bytes - 1) / bytes);
        WeightMatrix[] ws = new WeightMatrix[count];
        var f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        var i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int m = 0; m < count; m++) {
            MemorySegment seg = Arena.ofAuto().allocate(bytes, 64);
            long state = 0x9E3779B97F4A7C15L * (m + 1);
            for (long i = 0; i < (long) rows * cols; i++) {
                state = state * 6364136223846793005L + 1442695040888963407L;
                float v = (float) ((state >>> 40) / (double) (1L << 24) - 0.5) * 0.04f; // weight-like scale
                switch (dtype) {
                    case F32 -> seg.setAtIndex(f32, i, v);
                    case BF16 -> seg.setAtIndex(i16, i, TestWeights.toBf16(v));
                    default -> seg.setAtIndex(i16, i, Float.floatToFloat16(v));
                }
            }
            ws[m] = new WeightMatrix(seg, dtype, rows, cols);
        }
        return ws;
    }
}
