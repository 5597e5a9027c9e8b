package io.quantserve.engine.model;

import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.kvcache.KvCachePool;

/**
 * The activations of one sequence and where its KV cache lives, as llama2.c's RunState. Activation buffers hold up to
 * {@code chunk} tokens at once (prefill runs in chunks of that many). Keys and values live in a paged
 * {@link KvCachePool}, at the slots the sequence's {@link BlockTable} gives; the pool is private to this state or shared
 * with other sequences, in which case the table grows as the {@link io.quantserve.engine.kvcache.KvCacheManager}
 * allocates.
 */
public final class InferenceState {
    final int chunk;
    final int contextLength;

    final float[] x;      // [chunk, hidden] residual stream
    final float[] xb;     // [chunk, hidden] normalised input to a block
    final float[] xb2;    // [chunk, hidden] block output before the residual add
    final float[] q;      // [chunk, heads * headDim]
    final float[] k;      // [chunk, kvHeads * headDim]
    final float[] v;      // [chunk, kvHeads * headDim]
    final float[] att;    // [chunk, heads * headDim] attention output
    final float[] hb;     // [chunk, intermediate] gate, then silu(gate) * up
    final float[] hb2;    // [chunk, intermediate] up
    final float[] cos;    // [chunk, headDim / 2] rotary cosines of each token's position
    final float[] sin;    // [chunk, headDim / 2]
    final KvCachePool pool;
    final BlockTable blocks;

    /** A state with a private cache of {@code contextLength} positions (rounded up to whole blocks). */
    public InferenceState(ModelConfig c, int contextLength, int chunk) {
        this(c, privatePool(c, contextLength), null, contextLength, chunk);
    }

    /**
     * A state whose keys and values go to {@code pool} at the slots of {@code blocks}; positions beyond
     * {@code contextLength}, or beyond the slots the table holds when it runs, are refused.
     */
    public InferenceState(ModelConfig c, KvCachePool pool, BlockTable blocks, int contextLength, int chunk) {
        if (contextLength < 1 || chunk < 1) {
            throw new IllegalArgumentException("context length and chunk must be positive");
        }
        this.chunk = chunk;
        this.contextLength = contextLength;
        x = new float[chunk * c.hiddenSize()];
        xb = new float[chunk * c.hiddenSize()];
        xb2 = new float[chunk * c.hiddenSize()];
        q = new float[chunk * c.qDim()];
        k = new float[chunk * c.kvDim()];
        v = new float[chunk * c.kvDim()];
        att = new float[chunk * c.qDim()];
        hb = new float[chunk * c.intermediateSize()];
        hb2 = new float[chunk * c.intermediateSize()];
        cos = new float[chunk * c.headDim() / 2];
        sin = new float[chunk * c.headDim() / 2];
        if (!pool.fits(c)) {
            throw new IllegalArgumentException("KV cache pool of " + pool.numLayers() + " layers of kvDim "
                    + pool.kvDim() + " does not fit a model of " + c.numLayers() + " layers of kvDim " + c.kvDim());
        }
        if (blocks != null && blocks.blockSize() != pool.blockSize()) {
            throw new IllegalArgumentException("block table of block size " + blocks.blockSize()
                    + " does not index a pool of block size " + pool.blockSize());
        }
        this.pool = pool;
        this.blocks = blocks != null ? blocks : identityTable(pool);
    }

    private static KvCachePool privatePool(ModelConfig c, int contextLength) {
        int blockSize = KvCachePool.DEFAULT_BLOCK_SIZE;
        return new KvCachePool(c, blockSize, Math.max(1, (contextLength + blockSize - 1) / blockSize));
    }

    private static BlockTable identityTable(KvCachePool pool) {
        BlockTable table = new BlockTable(pool.blockSize());
        for (int b = 0; b < pool.numBlocks(); b++) {
            table.add(b);
        }
        return table;
    }

    public int contextLength() {
        return contextLength;
    }
}
