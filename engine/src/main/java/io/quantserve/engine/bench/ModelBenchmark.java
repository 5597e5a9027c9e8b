package io.quantserve.engine.bench;

import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Times prefill (one prompt as matrix-matrix work) and decode (one token at a time with the KV cache) of a model,
 * and turns the decode rate into weight bandwidth: every decode step reads every weight once. Optionally also times
 * batched decode: several sequences stepping together through {@link LlamaModel#forwardBatch}, as the engine's
 * continuous batching runs them.
 */
public final class ModelBenchmark {
    /** Prefill is one short call: the fastest of a few runs is the figure least disturbed by other processes. */
    private static final int PREFILL_RUNS = 3;
    /** Decode likewise: the fastest of a few runs of the asked-for token count, one after the other. */
    private static final int DECODE_RUNS = 3;

    /** @param batchTokensPerSecond tokens per second over all sequences of a batched decode, or 0 when not run */
    public record Result(int promptTokens, double prefillTokensPerSecond, int decodeTokens,
            double decodeTokensPerSecond, long weightBytesPerToken, long weightsPerToken, int batch,
            double batchTokensPerSecond) {

        /** Stored bits per weight over all the weights a decode step reads (packing overhead included). */
        public double bitsPerWeight() {
            return 8.0 * weightBytesPerToken / weightsPerToken;
        }

        public double decodeGBps() {
            return decodeTokensPerSecond * weightBytesPerToken / 1e9;
        }
    }

    private ModelBenchmark() {
    }

    public static Result run(LlamaModel model, int promptTokens, int decodeTokens) {
        return run(model, promptTokens, decodeTokens, 0);
    }

    /** As {@link #run(LlamaModel, int, int)}, plus a batched decode of {@code batch} sequences when batch > 0. */
    public static Result run(LlamaModel model, int promptTokens, int decodeTokens, int batch) {
        int[] prompt = randomTokens(model, promptTokens, 7);
        warmUp(model, batch);

        double prefillSeconds = Double.MAX_VALUE;
        float[] logits = null;
        InferenceState state = null;
        for (int run = 0; run < PREFILL_RUNS; run++) {
            state = model.newState(promptTokens + DECODE_RUNS * decodeTokens);
            long start = System.nanoTime();
            logits = model.forward(state, prompt, 0, false);
            prefillSeconds = Math.min(prefillSeconds, (System.nanoTime() - start) / 1e9);
        }

        // the fastest of a few runs, as for prefill: the first decode steps of a fresh JVM still run code the JIT is
        // recompiling (the first format measured in a process used to come out 10-30% slower than the next)
        double decodeSeconds = Double.MAX_VALUE;
        int position = promptTokens;
        for (int run = 0; run < DECODE_RUNS; run++) {
            long start = System.nanoTime();
            for (int i = 0; i < decodeTokens; i++) {
                logits = model.forward(state, new int[] {argmax(logits)}, position++, false);
            }
            decodeSeconds = Math.min(decodeSeconds, (System.nanoTime() - start) / 1e9);
        }

        double batchRate = batch > 0 ? batchedDecode(model, batch, promptTokens, decodeTokens) : 0;
        return new Result(promptTokens, promptTokens / prefillSeconds, decodeTokens, decodeTokens / decodeSeconds,
                model.weights().bytesPerToken(), model.weights().weightsPerToken(), batch, batchRate);
    }

    /**
     * Lets the JIT compile every kernel the timed runs use before anything is timed: decode (one row), prefill (many
     * rows: the matrix-matrix kernels start above a few tokens) and, when asked for, the batch's row count.
     */
    private static void warmUp(LlamaModel model, int batch) {
        InferenceState warm = model.newState(64);
        int[] tokens = randomTokens(model, 32, 3);
        for (int i = 0; i < 3; i++) {
            model.forward(warm, tokens, 0, false);
        }
        for (int i = 0; i < 8; i++) {
            model.forward(warm, new int[] {9}, 32 + i, false);
        }
        if (batch > 0) {
            batchedDecode(model, batch, 8, 8);
        }
    }

    /**
     * {@code batch} sequences, each prefilled with its own prompt of {@code promptTokens}, then {@code decodeTokens}
     * steps in which every sequence decodes one token in the same forward; returns decoded tokens per second over
     * all sequences (the prefills are not timed).
     */
    static double batchedDecode(LlamaModel model, int batch, int promptTokens, int decodeTokens) {
        int positions = promptTokens + decodeTokens;
        int blockSize = KvCachePool.DEFAULT_BLOCK_SIZE;
        int blocksPerSequence = (positions + blockSize - 1) / blockSize;
        KvCachePool pool = new KvCachePool(model.config(), blockSize, batch * blocksPerSequence);
        InferenceState state = model.newBatchState(pool, Math.max(batch, promptTokens));
        List<BlockTable> tables = new ArrayList<>();
        int[] next = new int[batch];
        for (int b = 0; b < batch; b++) {
            BlockTable table = new BlockTable(blockSize);
            for (int i = 0; i < blocksPerSequence; i++) {
                table.add(b * blocksPerSequence + i);
            }
            tables.add(table);
            int[] prompt = randomTokens(model, promptTokens, 11 + b);
            float[] logits = model.forwardBatch(state, List.of(BatchSegment.of(table, 0, prompt)))[0];
            next[b] = argmax(logits);
        }
        long start = System.nanoTime();
        for (int step = 0; step < decodeTokens; step++) {
            List<BatchSegment> segments = new ArrayList<>(batch);
            for (int b = 0; b < batch; b++) {
                segments.add(BatchSegment.of(tables.get(b), promptTokens + step, next[b]));
            }
            float[][] logits = model.forwardBatch(state, segments);
            for (int b = 0; b < batch; b++) {
                next[b] = argmax(logits[b]);
            }
        }
        return (double) batch * decodeTokens / ((System.nanoTime() - start) / 1e9);
    }

    private static int[] randomTokens(LlamaModel model, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = random.nextInt(model.config().vocabSize());
        }
        return tokens;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
