package io.quantserve.engine.serve;

import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.ModelConfig;
import java.util.List;

/**
 * What {@link EngineCore} runs its batches on: a model with its paged KV cache and activations for up to
 * {@link #maxTokens()} rows, on some backend (the CPU {@link CpuBatchRunner}, or the GPU runner). The engine's
 * scheduler hands out the cache's blocks by index ({@link io.quantserve.engine.kvcache.KvCacheManager}); a segment's
 * block table indexes this runner's cache the same way on every backend.
 */
public interface BatchRunner extends AutoCloseable {

    ModelConfig config();

    /** Token slots per cache block. */
    int blockSize();

    /** Blocks in the cache. */
    int numBlocks();

    /** Rows one {@link #forward} takes at most. */
    int maxTokens();

    /** Bytes the KV cache takes (host or device memory, as the backend keeps it). */
    long cacheBytes();

    /** Where it runs, for logs and health: "cpu" or "cuda". */
    String backend();

    /**
     * Runs the tokens of several sequences in one pass, writing their keys and values to the cache.
     *
     * @return per segment its logits: [vocab] for LAST, [tokens, vocab] for ALL, null for NONE
     */
    float[][] forward(List<BatchSegment> segments);

    /** Frees the cache and activations (not the model's weights, which the caller owns). */
    @Override
    void close();
}
