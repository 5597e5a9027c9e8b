package io.quantserve.engine.serve;

/**
 * @param maxNumBatchedTokens tokens one step runs at most (decodes plus prefill chunks): the batch activation size
 * @param maxNumSeqs          sequences running at once at most
 */
public record SchedulerConfig(int maxNumBatchedTokens, int maxNumSeqs) {
    public SchedulerConfig {
        if (maxNumBatchedTokens < 1 || maxNumSeqs < 1) {
            throw new IllegalArgumentException("max batched tokens (" + maxNumBatchedTokens + ") and max sequences ("
                    + maxNumSeqs + ") must be positive");
        }
        if (maxNumSeqs > maxNumBatchedTokens) {
            throw new IllegalArgumentException("max sequences (" + maxNumSeqs + ") above max batched tokens ("
                    + maxNumBatchedTokens + ") could never all decode in one step");
        }
    }

    /** vLLM's defaults for a server with chunked prefill, scaled to a CPU: 512 tokens, 64 sequences. */
    public static SchedulerConfig defaults() {
        return new SchedulerConfig(512, 64);
    }
}
