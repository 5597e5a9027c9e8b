package io.quantserve.node.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
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
    }

    record Choice(int index, String text, Logprobs logprobs, String finishReason) {
    }

    /** The legacy format: parallel lists, alternatives as token → logprob maps. */
    record Logprobs(List<Integer> textOffset, List<Float> tokenLogprobs, List<String> tokens,
            List<Map<String, Float>> topLogprobs) {
    }
}
