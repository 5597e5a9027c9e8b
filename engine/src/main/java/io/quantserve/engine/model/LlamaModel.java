package io.quantserve.engine.model;

import io.quantserve.engine.kernel.Parallel;
import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.linear.Linear;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2): configuration, weights, and one forward pass that reads
 * top to bottom. Thread-safe: all mutable state lives in the {@link InferenceState} passed in.
 */
public final class LlamaModel {
    private final ModelConfig config;
    private final LlamaWeights weights;
    private final double[] inverseFrequencies; // [headDim / 2]
    private final VectorOps ops = VectorOps.get();

    public LlamaModel(ModelConfig config, LlamaWeights weights) {
        this.config = config;
        this.weights = weights;
        this.inverseFrequencies = config.ropeScaling().inverseFrequencies(config.ropeTheta(), config.headDim());
    }

    public ModelConfig config() {
        return config;
    }

    public LlamaWeights weights() {
        return weights;
    }

    public InferenceState newState(int contextLength) {
        return new InferenceState(config, contextLength, Math.min(contextLength, 256));
    }

    /**
     * A state for one sequence of a shared pool: its keys and values go to the slots of {@code blocks}, which the
     * caller's {@link io.quantserve.engine.kvcache.KvCacheManager} grows before each forward. Positions are limited by
     * the model's maximum, or by the pool's size where the config names none.
     */
    public InferenceState newState(KvCachePool pool, BlockTable blocks) {
        int limit = config.maxPositions() > 0 ? config.maxPositions() : pool.numBlocks() * pool.blockSize();
        return new InferenceState(config, pool, blocks, limit, Math.min(limit, 256));
    }

    /**
     * Runs {@code tokens} at positions {@code startPos, startPos + 1, ...} (their keys and values join the cache)
     * and returns logits: [tokens.length, vocab] when {@code allLogits}, else [vocab] for the last token.
     * Long inputs are processed in chunks of the state's chunk size, each chunk as matrix-matrix work.
     */
    public float[] forward(InferenceState s, int[] tokens, int startPos, boolean allLogits) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to run");
        }
        if (startPos < 0 || startPos + tokens.length > s.contextLength) {
            throw new IllegalArgumentException("positions " + startPos + ".." + (startPos + tokens.length - 1)
                    + " exceed the context length " + s.contextLength);
        }
        requireSlots(s, startPos + tokens.length);
        int vocab = config.vocabSize();
        float[] logits = new float[(allLogits ? tokens.length : 1) * vocab];
        for (int done = 0; done < tokens.length; done += s.chunk) {
            int n = Math.min(s.chunk, tokens.length - done);
            forwardChunk(s, tokens, done, n, startPos + done);
            if (allLogits) {
                logits(s, n, n, logits, done * vocab);
            } else if (done + n == tokens.length) {
                logits(s, n, 1, logits, 0);
            }
        }
        return logits;
    }

    /** Runs tokens[from .. from + n) at positions pos .. pos + n - 1, leaving the final hidden states in s.x. */
    private void forwardChunk(InferenceState s, int[] tokens, int from, int n, int pos) {
        // token embeddings
        for (int t = 0; t < n; t++) {
            weights.tokenEmbedding().lookup(tokens[from + t], s.x, t * config.hiddenSize());
        }
        decoderLayers(s, n, pos);
    }

    /**
     * Runs only the decoder layers over hidden states [n, hidden] of one sequence at positions 0..n-1, in place:
     * no embedding, no head. Layer-by-layer quantization feeds each layer the previous one's outputs this way.
     */
    public void forwardLayers(InferenceState s, float[] hidden, int n) {
        int h = config.hiddenSize();
        if (hidden.length < n * h || n > s.contextLength) {
            throw new IllegalArgumentException(n + " positions do not fit the hidden states or the context " + s.contextLength);
        }
        requireSlots(s, n);
        for (int done = 0; done < n; done += s.chunk) {
            int m = Math.min(s.chunk, n - done);
            System.arraycopy(hidden, done * h, s.x, 0, m * h);
            decoderLayers(s, m, done);
            System.arraycopy(s.x, 0, hidden, done * h, m * h);
        }
    }

    private static void requireSlots(InferenceState s, int positions) {
        if (positions > s.blocks.capacity()) {
            throw new IllegalArgumentException("positions up to " + (positions - 1) + " have no KV cache slots: the block"
                    + " table holds " + s.blocks.size() + " blocks of " + s.blocks.blockSize() + " tokens");
        }
    }

    /** The decoder layers over the n hidden states in s.x at positions pos .. pos + n - 1. */
    private void decoderLayers(InferenceState s, int n, int pos) {
        ModelConfig c = config;
        int hidden = c.hiddenSize();
        int headDim = c.headDim();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        int inter = c.intermediateSize();
        rotaryTables(s, n, pos);
        int[] blocks = s.blocks.toArray(); // [table size] resolved once per call: the table only grows between calls

        for (int l = 0; l < c.numLayers(); l++) {
            LlamaWeights.Layer layer = weights.layers()[l];

            // attention rmsnorm
            for (int t = 0; t < n; t++) {
                ops.rmsnorm(s.xb, t * hidden, s.x, t * hidden, layer.attentionNorm(), hidden, c.rmsNormEps());
            }

            // qkv projections
            layer.q().apply(s.xb, s.q, n);
            layer.k().apply(s.xb, s.k, n);
            layer.v().apply(s.xb, s.v, n);

            // rope on queries and keys, then keys and values join the cache
            int half = headDim / 2;
            for (int t = 0; t < n; t++) {
                for (int h = 0; h < c.numHeads(); h++) {
                    ops.rope(s.q, t * qDim + h * headDim, headDim, s.cos, s.sin, t * half);
                }
                for (int h = 0; h < c.numKvHeads(); h++) {
                    ops.rope(s.k, t * kvDim + h * headDim, headDim, s.cos, s.sin, t * half);
                }
            }
            writeCache(s.k, s.pool.keys(l), blocks, s.pool.blockSize(), n, pos);
            writeCache(s.v, s.pool.values(l), blocks, s.pool.blockSize(), n, pos);

            // causal attention: each (token, head) over the cached positions up to its own
            attention(s, blocks, l, n, pos);

            // output projection and residual
            layer.o().apply(s.att, s.xb2, n);
            ops.add(s.x, 0, s.xb2, 0, n * hidden);

            // ffn rmsnorm
            for (int t = 0; t < n; t++) {
                ops.rmsnorm(s.xb, t * hidden, s.x, t * hidden, layer.ffnNorm(), hidden, c.rmsNormEps());
            }

            // ffn: down(silu(gate(x)) * up(x)) and residual
            layer.gate().apply(s.xb, s.hb, n);
            layer.up().apply(s.xb, s.hb2, n);
            ops.siluMul(s.hb, 0, s.hb2, 0, n * inter);
            layer.down().apply(s.hb, s.xb2, n);
            ops.add(s.x, 0, s.xb2, 0, n * hidden);
        }
    }

    /** cos/sin of each token's position times each pair's frequency, computed in double like the reference. */
    private void rotaryTables(InferenceState s, int n, int pos) {
        int half = inverseFrequencies.length;
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < half; i++) {
                double angle = (double) (pos + t) * inverseFrequencies[i];
                s.cos[t * half + i] = (float) Math.cos(angle);
                s.sin[t * half + i] = (float) Math.sin(angle);
            }
        }
    }

    /** Copies [n, kvDim] rows to the slots of positions pos .. pos + n - 1, one copy per run inside a block. */
    private void writeCache(float[] rows, float[] cache, int[] blocks, int blockSize, int n, int pos) {
        int kvDim = config.kvDim();
        for (int t = 0; t < n; ) {
            int p = pos + t;
            int inBlock = p % blockSize;
            int run = Math.min(n - t, blockSize - inBlock);
            int slot = blocks[p / blockSize] * blockSize + inBlock;
            System.arraycopy(rows, t * kvDim, cache, slot * kvDim, run * kvDim);
            t += run;
        }
    }

    private void attention(InferenceState s, int[] blocks, int layer, int n, int pos) {
        ModelConfig c = config;
        int headDim = c.headDim();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        int group = c.numHeads() / c.numKvHeads();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] keys = s.pool.keys(layer);       // [numBlocks * blockSize * kvDim]
        float[] values = s.pool.values(layer);   // [numBlocks * blockSize * kvDim]
        int blockSize = s.pool.blockSize();
        Parallel.forRange(n * c.numHeads(), 1, (from, to) -> {
            float[] scores = new float[pos + n];
            for (int task = from; task < to; task++) {
                int t = task / c.numHeads();
                int h = task % c.numHeads();
                int p = pos + t;
                int first = c.slidingWindow() > 0 ? Math.max(0, p - c.slidingWindow() + 1) : 0;
                ops.pagedAttention(s.q, t * qDim + h * headDim, keys, values, blocks, blockSize, kvDim,
                        (h / group) * headDim, first, p - first + 1, headDim, scale, scores, s.att, t * qDim + h * headDim);
            }
        });
    }

    /** Final norm and LM head for the last {@code count} of the chunk's n tokens, into out[outOff..]. */
    private void logits(InferenceState s, int n, int count, float[] out, int outOff) {
        int hidden = config.hiddenSize();
        int first = n - count;
        float[] normed = new float[count * hidden];
        for (int t = 0; t < count; t++) {
            ops.rmsnorm(normed, t * hidden, s.x, (first + t) * hidden, weights.finalNorm(), hidden, config.rmsNormEps());
        }
        Linear head = weights.lmHead();
        if (outOff == 0 && out.length == count * config.vocabSize()) {
            head.apply(normed, out, count);
        } else {
            float[] chunkLogits = new float[count * config.vocabSize()];
            head.apply(normed, chunkLogits, count);
            System.arraycopy(chunkLogits, 0, out, outOff, chunkLogits.length);
        }
    }
}
