package io.quantserve.node.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Response bodies of {@code /v1/completions}; the streamed chunks have the same shape as the full response. */
final class CompletionResponses {
    private CompletionResponses() {
    }

    record Completion(String id, String object, long created, String model, List<Choice> choices,
            @JsonInclude(JsonInclude.Include.NON_NULL) UsageBody usage) {
        Completion(String id, long created, String model, List<Choice> choices, UsageBody usage) {
            this(id, "text_completion", created, model, choices, usage);
        }

        Completion withUsage(UsageBody usage) {
            return new Completion(id, object, created, model, choices, usage);
        }
    }

    /**
     * {@code promptLogprobs}: vLLM's, when asked (the first chunk of a stream carries them); {@code tokenIds} and
     * {@code promptTokenIds}: vLLM's return_token_ids (a stream's chunks carry their new ids, the first the prompt's).
     */
    record Choice(int index, String text, Logprobs logprobs, String finishReason,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Map<String, PromptLogprob>> promptLogprobs,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Integer> tokenIds,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Integer> promptTokenIds) {
        Choice(int index, String text, Logprobs logprobs, String finishReason) {
            this(index, text, logprobs, finishReason, null, null, null);
        }
    }

    /**
     * vLLM's entry of a prompt token's log-probabilities, keyed by token id: the token itself and the most likely
     * alternatives, each with its rank (1 = the most likely).
     */
    record PromptLogprob(float logprob, int rank, String decodedToken) {
    }

    /** The legacy format: parallel lists, alternatives as token → logprob maps. */
    record Logprobs(List<Integer> textOffset, List<Float> tokenLogprobs, List<String> tokens,
            List<Map<String, Float>> topLogprobs) {
        /** These lists, then {@code next}'s (echo: the prompt's entries before the completion's). */
        Logprobs then(Logprobs next) {
            return new Logprobs(join(textOffset, next.textOffset), join(tokenLogprobs, next.tokenLogprobs),
                    join(tokens, next.tokens), join(topLogprobs, next.topLogprobs));
        }

        private static <T> List<T> join(List<T> a, List<T> b) {
            List<T> out = new ArrayList<>(a);
            out.addAll(b);
            return out;
        }
    }
}
