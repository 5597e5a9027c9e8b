package io.quantserve.engine.serve;

import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.sampling.SamplingParams;
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

    /**
     * Whether {@link #forwardAndSample} draws tokens where the logits are (the GPU runner: no logits cross the bus).
     */
    default boolean samplesOnDevice() {
        return false;
    }

    /**
     * As {@link #forward}, then draws each LAST segment's next token from its logits with its parameters (no
     * penalties: temperature, top-k, top-p, min-p) and uniform number {@code u} (the segment's Sampler's
     * {@code nextUniform}), as the CPU {@link io.quantserve.engine.sampling.Sampler} would; NONE segments have null
     * parameters. Only where {@link #samplesOnDevice}.
     *
     * @return per segment its token, -1 for a NONE segment or a row without a finite logit
     */
    default int[] forwardAndSample(List<BatchSegment> segments, List<SamplingParams> params, double[] u) {
        throw new UnsupportedOperationException(backend() + " runner does not sample on its device");
    }

    /** Frees the cache and activations (not the model's weights, which the caller owns). */
    @Override
    void close();
}
