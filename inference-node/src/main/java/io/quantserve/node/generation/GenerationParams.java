package io.quantserve.node.generation;

import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.engine.sampling.SamplingParams;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One API request, decoded: its prompts (one, or several for a batched completions request) and how to generate
 * each prompt's {@code n} choices. Choice {@code p·n + j} is prompt p's j-th, as vLLM numbers them.
 *
 * @param stopping    what ends a choice before its token limit
 * @param logprobs    -1: none; k >= 0: each token's log-probability and the k most likely alternatives
 * @param promptLogprobs -1: none; k >= 0: the same for every prompt token after the first (completions' echo)
 * @param constraint  a fresh constraint per choice (structured output, tool call, allowed tokens, bad words), or null
 * @param skipSpecialTokens special tokens drawn add no text (vLLM's skip_special_tokens, default true)
 * @param shaped      the reply follows a structured output or a tool call from its first token (token masks such as
 *                    bad words do not shape it): it cannot open with reasoning
 */
public record GenerationParams(List<Prompt> prompts, SamplingParams sampling, Stopping stopping, int logprobs,
        int promptLogprobs, Supplier<TokenConstraint> constraint, int n, boolean skipSpecialTokens, boolean shaped) {

    /**
     * What ends a choice (finish reason "stop") before its token limit.
     *
     * @param strings        stop strings: the text ends before the first one
     * @param includeString  the text ends after it instead (vLLM's include_stop_str_in_output)
     * @param ignoreEos      keep generating past end-of-sequence tokens
     * @param tokenIds       more ids that end a choice as EOS does (also with ignoreEos)
     * @param minTokens      no stop token or stop string ends a choice before this many tokens
     */
    public record Stopping(List<String> strings, boolean includeString, boolean ignoreEos, Set<Integer> tokenIds,
            int minTokens) {
        public Stopping {
            strings = List.copyOf(strings);
            tokenIds = Set.copyOf(tokenIds);
        }
    }

    /**
     * A prompt's token ids, its text (as the client sent it, or its ids decoded: what echo shows; null without echo)
     * and the most tokens its choices may generate (0: none, the prompt is only scored).
     */
    public record Prompt(int[] ids, String text, int maxTokens) {
        public Prompt {
            ids = ids.clone();
        }
    }

    public GenerationParams {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("a request needs a prompt");
        }
        prompts = List.copyOf(prompts);
    }

    public GenerationParams withSkipSpecialTokens(boolean skip) {
        return new GenerationParams(prompts, sampling, stopping, logprobs, promptLogprobs, constraint, n, skip,
                shaped);
    }

    /** Choices in all: n per prompt. */
    public int choices() {
        return prompts.size() * n;
    }

    /** Prompt tokens of the whole request, as usage counts them. */
    public int promptTokens() {
        return prompts.stream().mapToInt(p -> p.ids().length).sum();
    }
}
