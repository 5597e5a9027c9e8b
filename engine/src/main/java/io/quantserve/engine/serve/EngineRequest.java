package io.quantserve.engine.serve;

import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.engine.sampling.SamplingParams;
import java.util.Set;

/**
 * One generation request as the engine sees it: token ids in, token ids out (text, chat templates and stop strings
 * belong to the layer above).
 *
 * @param stopTokenIds ids that end the sequence with reason STOP and are not part of the output (EOS, unless ignored)
 * @param logprobs     -1: no log-probabilities; k >= 0: each output token's log-probability and the k most likely
 * @param constraint   what the output must look like (structured output), or null
 */
public record EngineRequest(String id, int[] prompt, SamplingParams sampling, int maxTokens, Set<Integer> stopTokenIds,
        int logprobs, TokenConstraint constraint) {
    /** The OpenAI API's limit on top_logprobs. */
    public static final int MAX_LOGPROBS = 20;

    public EngineRequest {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a request needs an id");
        }
        if (prompt.length == 0) {
            throw new IllegalArgumentException("request " + id + ": the prompt has no tokens");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("request " + id + ": max tokens must be >= 1, got " + maxTokens);
        }
        if (logprobs < -1 || logprobs > MAX_LOGPROBS) {
            throw new IllegalArgumentException("request " + id + ": logprobs must be between 0 and " + MAX_LOGPROBS
                    + " (or -1 for none), got " + logprobs);
        }
        prompt = prompt.clone();
        stopTokenIds = Set.copyOf(stopTokenIds);
    }

    /** A plain request: no log-probabilities, no constraint. */
    public EngineRequest(String id, int[] prompt, SamplingParams sampling, int maxTokens, Set<Integer> stopTokenIds) {
        this(id, prompt, sampling, maxTokens, stopTokenIds, -1, null);
    }
}
