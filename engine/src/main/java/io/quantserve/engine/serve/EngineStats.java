package io.quantserve.engine.serve;

/**
 * A snapshot of the engine for metrics: gauges (running, waiting, KV usage) and monotonic counters.
 *
 * @param promptTokens       prompt tokens of requests whose prefill completed (recomputation after preemption not
 *                           counted again)
 * @param generationTokens   tokens sampled
 * @param prefixCacheQueries prompt tokens looked up in the prefix cache
 * @param prefixCacheHits    of those, tokens found cached
 * @param kvCacheUsage       fraction of KV cache blocks held by sequences, 0..1
 * @param specDrafts         speculative decoding: decode steps of a sequence that verified drafted tokens
 * @param specDraftTokens    drafted tokens verified
 * @param specAcceptedTokens of those, tokens accepted (each a token the step gained)
 */
public record EngineStats(int running, int waiting, long preemptions, long promptTokens, long generationTokens,
        long prefixCacheQueries, long prefixCacheHits, double kvCacheUsage, long specDrafts, long specDraftTokens,
        long specAcceptedTokens) {
}
