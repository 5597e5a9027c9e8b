package io.quantserve.engine.gpu.model;

import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.serve.BatchRunner;
import java.util.List;

/**
 * {@link GpuLlamaModel} over its own device KV cache and activations, for {@link io.quantserve.engine.serve.EngineCore}:
 * the scheduler's block indices address the device cache as they address a CPU pool. Closing frees the cache and the
 * activations; the model (weights) stays with its owner.
 */
public final class GpuBatchRunner implements BatchRunner {
    private final GpuLlamaModel model;
    private final GpuKvCache cache;
    private final GpuBatchState state;

    public GpuBatchRunner(GpuLlamaModel model, int numBlocks, int maxTokens) {
        this.model = model;
        this.cache = model.newKvCache(numBlocks);
        try {
            this.state = model.newBatchState(cache, maxTokens);
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
    }

    /** Blocks of {@code blockSize} tokens that {@code budgetBytes} of device memory hold in {@code model}'s layout. */
    public static int blocksFor(GpuLlamaModel model, long budgetBytes) {
        long perBlock = GpuKvCache.bytesPerBlock(model.config(), model.activationType(), model.blockSize());
        long blocks = budgetBytes / perBlock;
        if (blocks < 1) {
            throw new IllegalArgumentException("a KV cache of " + budgetBytes + " bytes holds no block: one block of "
                    + model.blockSize() + " tokens takes " + perBlock + " bytes on the GPU ("
                    + model.activationType().suffix() + " keys and values of " + model.config().numLayers() + " layers)");
        }
        return (int) Math.min(blocks, Integer.MAX_VALUE);
    }

    @Override
    public ModelConfig config() {
        return model.config();
    }

    @Override
    public int blockSize() {
        return cache.blockSize();
    }

    @Override
    public int numBlocks() {
        return cache.numBlocks();
    }

    @Override
    public int maxTokens() {
        return state.maxTokens();
    }

    @Override
    public long cacheBytes() {
        return (long) cache.numBlocks() * GpuKvCache.bytesPerBlock(model.config(), model.activationType(), cache.blockSize());
    }

    @Override
    public String backend() {
        return "cuda";
    }

    @Override
    public float[][] forward(List<BatchSegment> segments) {
        return model.forwardBatch(state, segments);
    }

    @Override
    public void close() {
        state.close();
        cache.close();
    }
}
