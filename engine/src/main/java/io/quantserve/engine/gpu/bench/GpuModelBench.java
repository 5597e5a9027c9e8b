package io.quantserve.engine.gpu.bench;

import io.quantserve.engine.bench.SyntheticModels;
import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.model.GpuBatchState;
import io.quantserve.engine.gpu.model.GpuKvCache;
import io.quantserve.engine.gpu.model.GpuLlamaModel;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.ModelConfig;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Whole-model GPU benchmark (run by gpu/check.sh after {@link GpuBench}): a synthetic model (default the Llama-2-7B
 * shape) with random AWQ 4-bit weights made on the device ({@link GpuLlamaModel#random}), run through the same
 * {@link GpuLlamaModel#forwardBatch} the inference node's scheduler calls. Prefill: one prompt of
 * {@value #PROMPT} tokens, tokens/s. Decode: batches of 1, 8 and 32 sequences, each with a context of
 * {@value #CONTEXT} tokens prefilled first, {@value #STEPS} steps of one token per sequence; tokens/s over the batch
 * and the time per step (TPOT); and one sequence at a context of {@value #LONG_CONTEXT} tokens, where attention reads
 * more than the weights and is split over the keys (less where the model's context is shorter). Wall-clock time around each forward, which includes the logits' copy to the host,
 * as serving pays it. Decode steps run replayed from CUDA graphs, then with the tokens drawn on the device as the
 * node draws them (top-p), then as plain launches (graphs off) to show what the graphs save. Last, the same model as a
 * GPTQ act-order checkpoint runs (each layer's input gathered through a permutation first): prefill and batch-1
 * decode. Median of {@value #RUNS} runs after a warm-up. The AWQ kernels the model chose at load (per layer shape
 * and row count, {@code quantserve.gpu.awq-tune}) are printed first. Usage:
 * {@code GpuModelBench [shape [group]]}.
 */
public final class GpuModelBench {
    static final int PROMPT = 512;
    static final int CONTEXT = 128;
    static final int STEPS = 32;
    static final int RUNS = 5;
    static final int[] BATCHES = {1, 8, 32};
    /** The context of the long-context decode row (one sequence: split decode attention, flash-decoding), at most. */
    static final int LONG_CONTEXT = 3584;

    public static void main(String[] args) {
        String shape = args.length > 0 ? args[0] : "llama-7b";
        int group = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        try (CudaDevice device = BenchDevice.open("GpuModelBench")) {
            run(device, SyntheticModels.byName(shape), shape, group, System.out);
        }
    }

    static void run(CudaDevice device, ModelConfig c, String shape, int group, PrintStream out) {
        long start = System.nanoTime();
        int maxBatch = Arrays.stream(BATCHES).max().orElseThrow();
        int blockSize;
        try (GpuLlamaModel model = GpuLlamaModel.random(device, c, group, 7)) {
            blockSize = model.blockSize();
            int perSequence = blocksFor(CONTEXT, blockSize);
            int longContext = Math.min(LONG_CONTEXT, c.maxPositions() - STEPS * (RUNS + 1));
            int blocks = Math.max(maxBatch * perSequence, blocksFor(Math.max(PROMPT, longContext), blockSize));
            out.printf(Locale.ROOT, "GpuModelBench: %s (%d layers, hidden %d, vocab %d), AWQ 4-bit group %d, fp16"
                    + " activations, on %s; random weights made (and AWQ kernels chosen) in %.1f s; KV cache %d blocks"
                    + " of %d tokens%n",
                    shape, c.numLayers(), c.hiddenSize(), c.vocabSize(), group, device.name(),
                    (System.nanoTime() - start) / 1e9, blocks, blockSize);
            model.awqKernelChoices().forEach(line -> out.println("  AWQ kernels chosen at load: " + line));
            try (GpuKvCache cache = model.newKvCache(blocks);
                    GpuBatchState state = model.newBatchState(cache, Math.max(PROMPT, maxBatch), maxBatch)) {
                Random rnd = new Random(11);
                double prefill = prefillSeconds(model, state, rnd);
                out.printf(Locale.ROOT, "  prefill %d tokens      %8.0f tok/s  (%.1f ms)%n", PROMPT, PROMPT / prefill,
                        1e3 * prefill);
                for (int batch : BATCHES) {
                    state.useGraphs(true);
                    double step = decodeStepSeconds(model, state, CONTEXT, batch, rnd, false);
                    double sampled = decodeStepSeconds(model, state, CONTEXT, batch, rnd, true);
                    state.useGraphs(false);
                    double plain = decodeStepSeconds(model, state, CONTEXT, batch, rnd, false);
                    out.printf(Locale.ROOT, "  decode batch %-3d       %8.0f tok/s  TPOT %.2f ms  (tokens drawn on the"
                            + " device: TPOT %.2f ms; plain launches: %.0f tok/s, TPOT %.2f ms)%n", batch, batch / step,
                            1e3 * step, 1e3 * sampled, batch / plain, 1e3 * plain);
                }
                state.useGraphs(true);
                double step = decodeStepSeconds(model, state, longContext, 1, rnd, false);
                out.printf(Locale.ROOT, "  decode batch 1, context %d %6.0f tok/s  TPOT %.2f ms%n", longContext,
                        1 / step, 1e3 * step);
            }
        }
        // GPTQ with act-order runs on the same kernels after gathering each layer's input: what the gather costs
        try (GpuLlamaModel model = GpuLlamaModel.random(device, c, group, 7, true);
                GpuKvCache cache = model.newKvCache(Math.max(blocksFor(PROMPT, blockSize), blocksFor(CONTEXT, blockSize)));
                GpuBatchState state = model.newBatchState(cache, PROMPT)) {
            Random rnd = new Random(11);
            double prefill = prefillSeconds(model, state, rnd);
            double step = decodeStepSeconds(model, state, CONTEXT, 1, rnd, false);
            out.printf(Locale.ROOT, "  GPTQ act-order (input gathered per layer): prefill %.0f tok/s, decode batch 1"
                    + " %.0f tok/s  TPOT %.2f ms%n", PROMPT / prefill, 1 / step, 1e3 * step);
        }
    }

    /** Median time of one forward over a {@value #PROMPT}-token prompt ({@link #prompt}). */
    private static double prefillSeconds(GpuLlamaModel model, GpuBatchState state, Random rnd) {
        List<BatchSegment> prompt = prompt(model, PROMPT, rnd);
        double[] times = new double[RUNS];
        for (int run = -1; run < RUNS; run++) {
            long t0 = System.nanoTime();
            model.forwardBatch(state, prompt);
            if (run >= 0) {
                times[run] = (System.nanoTime() - t0) / 1e9;
            }
        }
        return median(times);
    }

    /** A random prompt of {@code tokens} tokens on blocks 0.. of the cache, as one segment. */
    static List<BatchSegment> prompt(GpuLlamaModel model, int tokens, Random rnd) {
        BlockTable table = new BlockTable(model.blockSize());
        for (int b = 0; b * model.blockSize() < tokens; b++) {
            table.add(b);
        }
        return List.of(BatchSegment.of(table, 0, rnd.ints(tokens, 0, model.config().vocabSize()).toArray()));
    }

    /** KV blocks for a sequence of {@code context} tokens and the decode steps of every run after it. */
    private static int blocksFor(int context, int blockSize) {
        return (context + STEPS * (RUNS + 1) + blockSize - 1) / blockSize;
    }

    /**
     * Median time of one decode step of {@code batch} sequences, each with a {@code context}-token context prefilled
     * first (its own blocks), then {@value #STEPS} steps a run ({@link DecodeBatch#step}).
     */
    static double decodeStepSeconds(GpuLlamaModel model, GpuBatchState state, int context, int batch, Random rnd,
            boolean drawOnDevice) {
        DecodeBatch sequences = DecodeBatch.prefilled(model, state, batch, context,
                blocksFor(context, model.blockSize()), rnd);
        double[] times = new double[RUNS];
        for (int run = -1; run < RUNS; run++) {
            long t0 = System.nanoTime();
            for (int step = 0; step < STEPS; step++) {
                sequences.step(drawOnDevice);
            }
            if (run >= 0) {
                times[run] = (System.nanoTime() - t0) / 1e9 / STEPS;
            }
        }
        return median(times);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
