package io.quantserve.engine.linear;

import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.kernel.MemoryBandwidth;
import io.quantserve.engine.kernel.Parallel;
import io.quantserve.engine.linear.bnb.Nf4Linears;
import io.quantserve.engine.linear.compressed.W8A8Linears;
import io.quantserve.engine.linear.gguf.GgufLinears;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Decode (tokens = 1), decode-batch and small-prefill throughput of packed layers next to F32, not a test: run its
 * main from the test classpath with --add-modules jdk.incubator.vector. Each figure cycles through copies of the
 * layer whose total size is well beyond the last level cache, so they are DRAM figures. -Dformats=f32,nf4,w8a8,awq4,q4_0 picks
 * the layers, -Dtokens=1,16 the token counts (2 to 16: a batch of decodes). Arguments: [out in] (default 2048 8192).
 */
public final class QuantizedMatvecBenchmark {
    private static final long CACHE_BEATING_BYTES = 256L << 20;

    public static void main(String[] args) {
        int out = args.length > 1 ? Integer.parseInt(args[0]) : 2048;
        int in = args.length > 1 ? Integer.parseInt(args[1]) : 8192;
        System.out.printf("memory read bandwidth: %.1f GB/s (%d threads)%n",
                MemoryBandwidth.measureReadGBps(), Parallel.threads());
        float[] w = new float[out * in];
        Random rnd = new Random(7);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * 0.02f;
        }
        List<String> formats = List.of(System.getProperty("formats", "f32,nf4,w8a8,awq4,q4_0").split(","));
        if (formats.contains("f32")) {
            run("F32", copies(() -> dense(w, out, in)), out, in);
        }
        if (formats.contains("nf4")) {
            run("NF4 (bnb, block 64)", copies(() -> Nf4Linears.quantize(w, out, in)), out, in);
        }
        if (formats.contains("w8a8")) {
            run("W8A8 int8", copies(() -> W8A8Linears.quantize(w, out, in)), out, in);
        }
        if (formats.contains("awq4")) {
            run("AWQ 4-bit (group 128)", copies(() -> GroupIntLinear.quantize(w, out, in, 4, 128)), out, in);
        }
        if (formats.contains("q4_0")) {
            run("GGUF Q4_0", copies(() -> GgufLinears.quantize(GgmlType.Q4_0, w, out, in)), out, in);
        }
    }

    private static Linear dense(float[] w, int out, int in) {
        MemorySegment seg = Arena.ofAuto().allocate(4L * w.length, 64);
        MemorySegment.copy(w, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, w.length);
        return new DenseLinear(new WeightMatrix(seg, DType.F32, out, in), null);
    }

    private static Linear[] copies(Supplier<Linear> make) {
        Linear first = make.get();
        int count = (int) Math.max(2, (CACHE_BEATING_BYTES + first.weightBytes() - 1) / first.weightBytes());
        Linear[] all = new Linear[count];
        all[0] = first;
        for (int i = 1; i < count; i++) {
            all[i] = make.get();
        }
        return all;
    }

    private static void run(String what, Linear[] layers, int out, int in) {
        System.out.printf("%s %dx%d: %.2f MiB weights each (%.3f bits/weight), %d copies%n", what, out, in,
                layers[0].weightBytes() / 1048576.0, 8.0 * layers[0].weightBytes() / ((long) out * in), layers.length);
        for (String count : System.getProperty("tokens", "1,16").split(",")) {
            int tokens = Integer.parseInt(count.trim());
            report(layers, tokens, true);
            report(layers, tokens, false);
        }
    }

    private static void report(Linear[] layers, int tokens, boolean oneThread) {
        int out = layers[0].outFeatures();
        int in = layers[0].inFeatures();
        float[] x = new float[tokens * in];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] y = new float[tokens * out];
        int reps = Math.max(8, (int) Math.min(60, 2_000_000_000L / ((long) out * in * tokens)));
        long[] nanos = new long[reps];
        for (int round = 0; round < 4; round++) { // the first rounds are warm-up for the JIT
            for (int i = 0; i < reps; i++) {
                Linear layer = layers[i % layers.length];
                nanos[i] = oneThread ? oneThread(() -> layer.apply(x, y, tokens)) : time(() -> layer.apply(x, y, tokens));
            }
        }
        Arrays.sort(nanos);
        double median = nanos[reps / 2];
        double weights = (double) out * in;
        System.out.printf("  tokens=%-3d %-8s %8.3f ms  %6.1f GB/s packed  %6.2f G weights/s  %7.1f GOP/s%n",
                tokens, oneThread ? "1 thread" : Parallel.threads() + " thr", median / 1e6,
                layers[0].weightBytes() / median, weights / median, 2.0 * weights * tokens / median);
    }

    private static long time(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return System.nanoTime() - start;
    }

    /**
     * Times r on one thread: inside a parallel range the layer's own Parallel.forRange runs inline, so running it
     * in one of two chunks (the other empty) keeps it on the thread that runs that chunk.
     */
    private static long oneThread(Runnable r) {
        long[] result = new long[1];
        Parallel.forRange(2, 1, (from, to) -> {
            if (from == 0) {
                result[0] = time(r);
            }
        });
        return result[0];
    }
}
