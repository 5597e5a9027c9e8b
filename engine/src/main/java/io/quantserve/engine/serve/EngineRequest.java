package io.quantserve.engine.serve;

import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.engine.sampling.SamplingParams;
import java.util.Set;

/**
 * One generation request as the engine sees it: token ids in, token ids out (text, chat templates and stop strings
 * belong to the layer above).
 *
 * @param maxTokens    the most tokens to generate; 0 runs the prompt only (to score it: see promptLogprobs)
 * @param stopTokenIds ids that end the sequence with reason STOP and are not part of the output (EOS, unless ignored)
 * @param logprobs     -1: no log-probabilities; k >= 0: each output token's log-probability and the k most likely
 * @param constraint   what the output must look like (structured output), or null
 * @param promptLogprobs -1: none; k >= 0: the log-probability of every prompt token after the first given the ones
 *                       before it, with the k most likely (vLLM's prompt_logprobs): the prompt then runs whole, not
 *                       from a cached prefix
 * @param minTokens    stop tokens cannot be drawn before this many tokens were generated (vLLM's min_tokens)
 */
public record EngineRequest(String id, int[] prompt, SamplingParams sampling, int maxTokens, Set<Integer> stopTokenIds,
        int logprobs, TokenConstraint constraint, int promptLogprobs, int minTokens) {
    /** The OpenAI API's limit on top_logprobs. */
    public static final int MAX_LOGPROBS = 20;

    public EngineRequest {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a request needs an id");
        }
        if (prompt.length == 0) {
            throw new IllegalArgumentException("request " + id + ": the prompt has no tokens");
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("request " + id + ": max tokens must be >= 0, got " + maxTokens);
        }
        if (logprobs < -1 || logprobs > MAX_LOGPROBS) {
            throw new IllegalArgumentException("request " + id + ": logprobs must be between 0 and " + MAX_LOGPROBS
                    + " (or -1 for none), got " + logprobs);
        }
        if (promptLogprobs < -1 || promptLogprobs > MAX_LOGPROBS) {
            throw new IllegalArgumentException("request " + id + ": prompt logprobs must be between 0 and "
                    + MAX_LOGPROBS + " (or -1 for none), got " + promptLogprobs);
        }
        if (minTokens < 0 || minTokens > maxTokens) {
            throw new IllegalArgumentException("request " + id + ": min tokens must be between 0 and max tokens ("
                    + maxTokens + "), got " + minTokens);
        }
        prompt = prompt.clone();
        stopTokenIds = Set.copyOf(stopTokenIds);
    }

    /** A request without prompt log-probabilities or a minimum length. */
    public EngineRequest(String id, int[] prompt, SamplingParams sampling, int maxTokens, Set<Integer> stopTokenIds,
            int logprobs, TokenConstraint constraint) {
        this(id, prompt, sampling, maxTokens, stopTokenIds, logprobs, constraint, -1, 0);
    }

    /** A plain request: no log-probabilities, no constraint. */
    public EngineRequest(String id, int[] prompt, SamplingParams sampling, int maxTokens, Set<Integer> stopTokenIds) {
        this(id, prompt, sampling, maxTokens, stopTokenIds, -1, null, -1, 0);
    }
}
