package io.quantserve.engine.model;

import io.quantserve.engine.kernel.Parallel;
import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.linear.Linear;
import java.util.Arrays;
import java.util.List;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2, Qwen3): configuration, weights, and one forward pass that reads
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
     * A state for batched forwards over a shared pool: activation buffers for up to {@code maxBatchTokens} rows (the
     * scheduler's token budget); each {@link BatchSegment} brings its own block table.
     */
    public InferenceState newBatchState(KvCachePool pool, int maxBatchTokens) {
        int limit = config.maxPositions() > 0 ? config.maxPositions() : pool.numBlocks() * pool.blockSize();
        return new InferenceState(config, pool, new BlockTable(pool.blockSize()), limit, maxBatchTokens);
    }

    /**
     * Runs {@code tokens} at positions {@code startPos, startPos + 1, ...} (their keys and values join the cache)
     * and returns logits: [tokens.length, vocab] when {@code allLogits}, else [vocab] for the last token.
     * Long inputs are processed in chunks of the state's chunk size, each chunk a one-segment batch.
     */
    public float[] forward(InferenceState s, int[] tokens, int startPos, boolean allLogits) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to run");
        }
        if (startPos < 0 || startPos + tokens.length > s.contextLength) {
            throw new IllegalArgumentException("positions " + startPos + ".." + (startPos + tokens.length - 1)
                    + " exceed the context length " + s.contextLength);
        }
        requireSlots(s.blocks, startPos + tokens.length);
        if (tokens.length <= s.chunk) { // the common case: one chunk, its logits as they are
            BatchSegment.Logits wanted = allLogits ? BatchSegment.Logits.ALL : BatchSegment.Logits.LAST;
            return forwardBatch(s, List.of(new BatchSegment(s.blocks, startPos, tokens, wanted)))[0];
        }
        int vocab = config.vocabSize();
        float[] logits = new float[(allLogits ? tokens.length : 1) * vocab];
        for (int done = 0; done < tokens.length; done += s.chunk) {
            int n = Math.min(s.chunk, tokens.length - done);
            boolean last = done + n == tokens.length;
            BatchSegment.Logits wanted = allLogits ? BatchSegment.Logits.ALL
                    : last ? BatchSegment.Logits.LAST : BatchSegment.Logits.NONE;
            int[] chunk = Arrays.copyOfRange(tokens, done, done + n);
            float[] out = forwardBatch(s, List.of(new BatchSegment(s.blocks, startPos + done, chunk, wanted)))[0];
            if (out != null) {
                System.arraycopy(out, 0, logits, allLogits ? done * vocab : 0, out.length);
            }
        }
        return logits;
    }

    /**
     * Runs the tokens of several sequences in one pass: every linear layer is one matrix-matrix call over all rows of
     * the batch (what makes many concurrent decodes cheap), while rotary embedding uses each row's own position and
     * attention each row's own sequence's cache. Each layer writes every segment's keys and values before any row
     * attends, so a segment may share prefix blocks that another segment of the same batch is computing.
     *
     * @param s        a state whose pool the segments' tables index, with room for all rows ({@link #newBatchState})
     * @return per segment its logits: [vocab] for LAST, [tokens, vocab] for ALL, null for NONE
     */
    public float[][] forwardBatch(InferenceState s, List<BatchSegment> segments) {
        int count = segments.size();
        if (count == 0) {
            throw new IllegalArgumentException("an empty batch");
        }
        BlockTable[] tables = new BlockTable[count];
        int[] starts = new int[count];
        int[] lengths = new int[count];
        int rows = 0;
        for (int i = 0; i < count; i++) {
            BatchSegment seg = segments.get(i);
            int end = seg.startPos() + seg.tokens().length;
            if (end > s.contextLength) {
                throw new IllegalArgumentException("segment " + i + ": positions " + seg.startPos() + ".." + (end - 1)
                        + " exceed the context length " + s.contextLength);
            }
            if (seg.blocks().blockSize() != s.pool.blockSize()) {
                throw new IllegalArgumentException("segment " + i + ": block table of block size "
                        + seg.blocks().blockSize() + " does not index a pool of block size " + s.pool.blockSize());
            }
            requireSlots(seg.blocks(), end);
            tables[i] = seg.blocks();
            starts[i] = seg.startPos();
            lengths[i] = seg.tokens().length;
            rows += lengths[i];
        }
        if (rows > s.chunk) {
            throw new IllegalArgumentException("a batch of " + rows + " tokens exceeds the state's " + s.chunk);
        }
        BatchRows batch = BatchRows.of(tables, starts, lengths);
        int hidden = config.hiddenSize();
        for (int i = 0; i < count; i++) {
            int[] tokens = segments.get(i).tokens();
            for (int t = 0; t < tokens.length; t++) {
                weights.tokenEmbedding().lookup(tokens[t], s.x, (batch.segStart[i] + t) * hidden);
            }
        }
        decoderLayers(s, batch);
        return logits(s, batch, segments);
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
        requireSlots(s.blocks, n);
        for (int done = 0; done < n; done += s.chunk) {
            int m = Math.min(s.chunk, n - done);
            System.arraycopy(hidden, done * h, s.x, 0, m * h);
            decoderLayers(s, BatchRows.of(new BlockTable[] {s.blocks}, new int[] {done}, new int[] {m}));
            System.arraycopy(s.x, 0, hidden, done * h, m * h);
        }
    }

    private static void requireSlots(BlockTable blocks, int positions) {
        if (positions > blocks.capacity()) {
            throw new IllegalArgumentException("positions up to " + (positions - 1) + " have no KV cache slots: the block"
                    + " table holds " + blocks.size() + " blocks of " + blocks.blockSize() + " tokens");
        }
    }

    /** The decoder layers over the batch's hidden states in s.x, each row at its own position in its own sequence. */
    private void decoderLayers(InferenceState s, BatchRows b) {
        ModelConfig c = config;
        int n = b.n;
        int hidden = c.hiddenSize();
        int headDim = c.headDim();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        int inter = c.intermediateSize();
        rotaryTables(s, b);

        for (int l = 0; l < c.numLayers(); l++) {
            LlamaWeights.Layer layer = weights.layers()[l];

            // attention rmsnorm
            for (int t = 0; t < n; t++) {
                ops.rmsnorm(s.xb, t * hidden, s.x, t * hidden, layer.attentionNorm(), hidden, c.rmsNormEps());
            }

            // qkv projections: one matrix-matrix call over every row of every sequence
            layer.q().apply(s.xb, s.q, n);
            layer.k().apply(s.xb, s.k, n);
            layer.v().apply(s.xb, s.v, n);

            if (layer.qNorm() != null) { // Qwen3: each head of q and k RMS-normalised, in place
                for (int t = 0; t < n; t++) {
                    for (int h = 0; h < c.numHeads(); h++) {
                        int off = t * qDim + h * headDim;
                        ops.rmsnorm(s.q, off, s.q, off, layer.qNorm(), headDim, c.rmsNormEps());
                    }
                    for (int h = 0; h < c.numKvHeads(); h++) {
                        int off = t * kvDim + h * headDim;
                        ops.rmsnorm(s.k, off, s.k, off, layer.kNorm(), headDim, c.rmsNormEps());
                    }
                }
            }

            // rope on queries and keys, then keys and values join each sequence's cache
            int half = headDim / 2;
            for (int t = 0; t < n; t++) {
                for (int h = 0; h < c.numHeads(); h++) {
                    ops.rope(s.q, t * qDim + h * headDim, headDim, s.cos, s.sin, t * half);
                }
                for (int h = 0; h < c.numKvHeads(); h++) {
                    ops.rope(s.k, t * kvDim + h * headDim, headDim, s.cos, s.sin, t * half);
                }
            }
            for (int i = 0; i < b.segments(); i++) {
                int first = b.segStart[i];
                int rows = b.segStart[i + 1] - first;
                writeCache(s.k, first, s.pool.keys(l), b.tables[i], s.pool.blockSize(), rows, b.pos[first]);
                writeCache(s.v, first, s.pool.values(l), b.tables[i], s.pool.blockSize(), rows, b.pos[first]);
            }

            // causal attention: each (row, head) over its own sequence's cached positions up to its own
            attention(s, b, l);

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

    /** cos/sin of each row's position times each pair's frequency, computed in double like the reference. */
    private void rotaryTables(InferenceState s, BatchRows b) {
        int half = inverseFrequencies.length;
        for (int t = 0; t < b.n; t++) {
            for (int i = 0; i < half; i++) {
                double angle = (double) b.pos[t] * inverseFrequencies[i];
                s.cos[t * half + i] = (float) Math.cos(angle);
                s.sin[t * half + i] = (float) Math.sin(angle);
            }
        }
    }

    /**
     * Copies rows [first, first + n) of [batch, kvDim] to the slots of positions pos .. pos + n - 1, one copy per run
     * inside a block.
     */
    private void writeCache(float[] rows, int first, float[] cache, int[] blocks, int blockSize, int n, int pos) {
        int kvDim = config.kvDim();
        for (int t = 0; t < n; ) {
            int p = pos + t;
            int inBlock = p % blockSize;
            int run = Math.min(n - t, blockSize - inBlock);
            int slot = blocks[p / blockSize] * blockSize + inBlock;
            System.arraycopy(rows, (first + t) * kvDim, cache, slot * kvDim, run * kvDim);
            t += run;
        }
    }

    private void attention(InferenceState s, BatchRows b, int layer) {
        ModelConfig c = config;
        int headDim = c.headDim();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        int group = c.numHeads() / c.numKvHeads();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] keys = s.pool.keys(layer);       // [numBlocks * blockSize * kvDim]
        float[] values = s.pool.values(layer);   // [numBlocks * blockSize * kvDim]
        int blockSize = s.pool.blockSize();
        Parallel.forRange(b.n * c.numHeads(), 1, (from, to) -> {
            float[] scores = new float[b.maxLength]; // [longest span] reused by this range's tasks
            for (int task = from; task < to; task++) {
                int t = task / c.numHeads();
                int h = task % c.numHeads();
                int p = b.pos[t];
                int first = c.slidingWindow() > 0 ? Math.max(0, p - c.slidingWindow() + 1) : 0;
                ops.pagedAttention(s.q, t * qDim + h * headDim, keys, values, b.tables[b.seg[t]], blockSize, kvDim,
                        (h / group) * headDim, first, p - first + 1, headDim, scale, scores, s.att, t * qDim + h * headDim);
            }
        });
    }

    /**
     * Final norm and LM head for the rows that want logits, all of them in one matrix-matrix call, split back per
     * segment.
     */
    private float[][] logits(InferenceState s, BatchRows b, List<BatchSegment> segments) {
        int hidden = config.hiddenSize();
        int vocab = config.vocabSize();
        int wanted = 0;
        for (BatchSegment seg : segments) {
            wanted += seg.logitRows();
        }
        float[][] out = new float[segments.size()][];
        if (wanted == 0) {
            return out;
        }
        float[] normed = new float[wanted * hidden]; // [wanted, hidden] in segment order
        int row = 0;
        for (int i = 0; i < segments.size(); i++) {
            int rows = segments.get(i).logitRows();
            int first = b.segStart[i + 1] - rows; // LAST and ALL both end at the segment's last row
            for (int t = 0; t < rows; t++, row++) {
                ops.rmsnorm(normed, row * hidden, s.x, (first + t) * hidden, weights.finalNorm(), hidden,
                        config.rmsNormEps());
            }
        }
        Linear head = weights.lmHead();
        float[] all = new float[wanted * vocab]; // [wanted, vocab]
        head.apply(normed, all, wanted);
        if (segments.size() == 1) {
            out[0] = all;
            return out;
        }
        int offset = 0;
        for (int i = 0; i < segments.size(); i++) {
            int rows = segments.get(i).logitRows();
            if (rows > 0) {
                out[i] = Arrays.copyOfRange(all, offset, offset + rows * vocab);
                offset += rows * vocab;
            }
        }
        return out;
    }
}
