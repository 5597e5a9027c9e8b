package io.quantserve.engine.serve;

import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.ModelConfig;
import java.util.List;

/** The CPU {@link LlamaModel} over a {@link KvCachePool} in host memory. */
public final class CpuBatchRunner implements BatchRunner {
    private final LlamaModel model;
    private final KvCachePool pool;
    private final InferenceState batch; // activations for maxTokens rows
    private final int maxTokens;

    public CpuBatchRunner(LlamaModel model, KvCachePool pool, int maxTokens) {
        this.model = model;
        this.pool = pool;
        this.maxTokens = maxTokens;
        this.batch = model.newBatchState(pool, maxTokens);
    }

    @Override
    public ModelConfig config() {
        return model.config();
    }

    @Override
    public int blockSize() {
        return pool.blockSize();
    }

    @Override
    public int numBlocks() {
        return pool.numBlocks();
    }

    @Override
    public int maxTokens() {
        return maxTokens;
    }

    @Override
    public long cacheBytes() {
        return pool.bytes();
    }

    @Override
    public String backend() {
        return "cpu";
    }

    @Override
    public float[][] forward(List<BatchSegment> segments) {
        return model.forwardBatch(batch, segments);
    }

    @Override
    public void close() {
        // heap arrays: nothing to free ahead of the garbage collector
    }
}
