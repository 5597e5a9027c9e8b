package io.quantserve.engine.gpu.bench;

import io.quantserve.engine.bench.SyntheticModels;
import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.model.GpuBatchState;
import io.quantserve.engine.gpu.model.GpuKvCache;
import io.quantserve.engine.gpu.model.GpuLlamaModel;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.ModelConfig;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Where a forward's time goes, kernel by kernel (gpu/step-profile.sh runs it under Nsight Compute, then
 * {@link StepProfileTable}): the model bench's rows on its synthetic AWQ model - a prefill of
 * {@value GpuModelBench#PROMPT} tokens, a decode step at batch 1, 8 and 32 ({@value GpuModelBench#CONTEXT}-token
 * contexts) and at batch 1 with a long context - each timed by the wall clock (decode replayed from CUDA graphs, as the
 * node runs it; the median of {@value #TIMED} runs), then run once more as plain launches (the same kernels) inside
 * {@link CudaDevice#profile}, where a profiler attached with its collection off times every kernel. Per row it prints
 * {@code step NAME launches N wall-ms W} and then {@code launched K1 K2 ...}, the kernels in launch order, by which the
 * table splits the profiler's kernels among the rows. Usage: {@code GpuStepProfile [shape [group]]}.
 */
public final class GpuStepProfile {
    static final int TIMED = 9;

    /**
     * The rows: prompt tokens of the prefill, decode batches at a short context, the long context (batch 1), and the
     * runs a row's wall time is the median of.
     */
    record Rows(int prompt, int[] batches, int context, int longContext, int timed) {
        static Rows of(ModelConfig c) {
            int longContext = Math.min(GpuModelBench.LONG_CONTEXT, c.maxPositions() - (TIMED + 4)); // room for steps()
            return new Rows(GpuModelBench.PROMPT, GpuModelBench.BATCHES, GpuModelBench.CONTEXT, longContext, TIMED);
        }

        /** Decode steps a sequence takes in a row: its graph's warm-up and capture, the timed, one plain, the profiled. */
        int steps() {
            return timed + 4;
        }
    }

    private GpuStepProfile() {
    }

    public static void main(String[] args) {
        String shape = args.length > 0 ? args[0] : "llama-7b";
        int group = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        ModelConfig c = SyntheticModels.byName(shape);
        try (CudaDevice device = BenchDevice.open("GpuStepProfile")) {
            System.out.printf(Locale.ROOT, "GpuStepProfile: %s (%d layers, hidden %d), AWQ 4-bit group %d, on %s%n",
                    shape, c.numLayers(), c.hiddenSize(), group, device.name());
            run(device, c, group, Rows.of(c), System.out);
        }
    }

    static void run(CudaDevice device, ModelConfig c, int group, Rows rows, PrintStream out) {
        int maxBatch = Arrays.stream(rows.batches()).max().orElseThrow();
        try (GpuLlamaModel model = GpuLlamaModel.random(device, c, group, 7)) {
            int blockSize = model.blockSize();
            int blocks = Math.max(maxBatch * Math.ceilDiv(rows.context() + rows.steps(), blockSize),
                    Math.max(Math.ceilDiv(rows.longContext() + rows.steps(), blockSize),
                            Math.ceilDiv(rows.prompt(), blockSize)));
            try (GpuKvCache cache = model.newKvCache(blocks);
                    GpuBatchState state = model.newBatchState(cache, Math.max(rows.prompt(), maxBatch), maxBatch)) {
                Random rnd = new Random(11);
                List<BatchSegment> prompt = GpuModelBench.prompt(model, rows.prompt(), rnd);
                state.useGraphs(false);
                model.forwardBatch(state, prompt);
                double wall = median(rows.timed(), () -> model.forwardBatch(state, prompt));
                print(out, "prefill-" + rows.prompt(), wall, device.profile(() -> model.forwardBatch(state, prompt)));
                for (int batch : rows.batches()) {
                    decode(out, "decode-b" + batch, model, state, rows, batch, rows.context(), rnd);
                }
                decode(out, "decode-b1-context" + rows.longContext(), model, state, rows, 1, rows.longContext(), rnd);
            }
        }
    }

    private static void decode(PrintStream out, String name, GpuLlamaModel model, GpuBatchState state, Rows rows,
            int batch, int context, Random rnd) {
        DecodeBatch sequences = DecodeBatch.prefilled(model, state, batch, context,
                Math.ceilDiv(context + rows.steps(), model.blockSize()), rnd);
        state.useGraphs(true);
        sequences.step(false); // the shape's first step runs plain (a warm-up), the second is recorded as a graph
        sequences.step(false);
        double wall = median(rows.timed(), () -> sequences.step(false));
        state.useGraphs(false);
        sequences.step(false);
        print(out, name, wall, model.device().profile(() -> sequences.step(false)));
    }

    private static void print(PrintStream out, String name, double wallSeconds, List<String> launched) {
        out.printf(Locale.ROOT, "step %s launches %d wall-ms %.3f%n", name, launched.size(), 1e3 * wallSeconds);
        out.println("launched " + String.join(" ", launched));
    }

    /** Seconds: the median of {@code runs} runs of {@code work}. */
    private static double median(int runs, Runnable work) {
        double[] times = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            work.run();
            times[i] = (System.nanoTime() - t0) / 1e9;
        }
        return GpuModelBench.median(times);
    }
}
