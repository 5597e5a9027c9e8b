package io.quantserve.node.generation;

import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.engine.sampling.SamplingParams;
import java.util.List;
import java.util.function.Supplier;

/**
 * One API request, decoded: the prompt ids and how to generate each of its {@code n} choices.
 *
 * @param stop        stop strings: the text ends before the first one (finish reason "stop")
 * @param ignoreEos   keep generating past end-of-sequence tokens
 * @param logprobs    -1: none; k >= 0: each token's log-probability and the k most likely alternatives
 * @param constraint  a fresh structured-output constraint per choice, or null
 */
public record GenerationParams(int[] prompt, SamplingParams sampling, int maxTokens, List<String> stop,
        boolean ignoreEos, int logprobs, Supplier<TokenConstraint> constraint, int n) {
    public GenerationParams {
        prompt = prompt.clone();
        stop = List.copyOf(stop);
    }
}
