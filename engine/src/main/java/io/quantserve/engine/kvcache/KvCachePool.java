package io.quantserve.engine.kvcache;

import io.quantserve.engine.model.ModelConfig;

/**
 * The storage of a paged KV cache: per layer one key and one value array cut into fixed-size blocks of
 * {@code blockSize} token slots. Token slot {@code s} of a layer holds its kvDim floats at {@code s * kvDim}; which
 * blocks belong to which sequence is the {@link KvCacheManager}'s business, not the pool's.
 */
public final class KvCachePool {
    public static final int DEFAULT_BLOCK_SIZE = 16;

    private final int numLayers;
    private final int kvDim;
    private final int blockSize;
    private final int numBlocks;
    private final float[][] keys;   // [layers][numBlocks * blockSize * kvDim]
    private final float[][] values; // [layers][numBlocks * blockSize * kvDim]

    public KvCachePool(ModelConfig config, int blockSize, int numBlocks) {
        if (blockSize < 1 || numBlocks < 1) {
            throw new IllegalArgumentException("block size " + blockSize + " and block count " + numBlocks
                    + " must be positive");
        }
        long floats = (long) numBlocks * blockSize * config.kvDim();
        if (floats > maxArrayLength()) {
            throw new IllegalArgumentException(numBlocks + " blocks of " + blockSize + " tokens need " + floats
                    + " floats per layer, more than one Java array holds (" + maxArrayLength() + ")");
        }
        this.numLayers = config.numLayers();
        this.kvDim = config.kvDim();
        this.blockSize = blockSize;
        this.numBlocks = numBlocks;
        this.keys = new float[numLayers][(int) floats];
        this.values = new float[numLayers][(int) floats];
    }

    /** As many blocks of {@link #DEFAULT_BLOCK_SIZE} tokens as fit the budget. */
    public static KvCachePool withBudget(ModelConfig config, long budgetBytes) {
        return withBudget(config, DEFAULT_BLOCK_SIZE, budgetBytes);
    }

    /**
     * As many blocks as fit {@code budgetBytes}; a budget beyond what one Java array per layer holds is cut to that
     * (such a budget cannot be spent by a float[]-backed pool anyway).
     */
    public static KvCachePool withBudget(ModelConfig config, int blockSize, long budgetBytes) {
        long perBlock = bytesPerBlock(config, blockSize);
        long blocks = budgetBytes / perBlock;
        if (blocks < 1) {
            throw new IllegalArgumentException("KV cache budget of " + budgetBytes + " bytes holds no block: one block of "
                    + blockSize + " tokens needs " + perBlock + " bytes");
        }
        long arrayLimit = maxArrayLength() / ((long) blockSize * config.kvDim());
        return new KvCachePool(config, blockSize, (int) Math.min(blocks, arrayLimit));
    }

    /** Keys and values of all layers for one block, in bytes. */
    public static long bytesPerBlock(ModelConfig config, int blockSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size " + blockSize + " must be positive");
        }
        return 2L * config.numLayers() * blockSize * config.kvDim() * Float.BYTES;
    }

    /** Whether this pool has the shape a model of {@code config} writes: same layers and kvDim. */
    public boolean fits(ModelConfig config) {
        return config.numLayers() == numLayers && config.kvDim() == kvDim;
    }

    /** The keys of one layer. Shared and written in place by the model: no copy. */
    public float[] keys(int layer) {
        return keys[layer];
    }

    /** The values of one layer. Shared and written in place by the model: no copy. */
    public float[] values(int layer) {
        return values[layer];
    }

    public int numLayers() {
        return numLayers;
    }

    public int kvDim() {
        return kvDim;
    }

    public int blockSize() {
        return blockSize;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public long bytes() {
        return 2L * numLayers * numBlocks * blockSize * kvDim * Float.BYTES;
    }

    // the JVM refuses arrays of exactly Integer.MAX_VALUE elements on most builds
    private static long maxArrayLength() {
        return Integer.MAX_VALUE - 8L;
    }
}
