package io.quantserve.node.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** Response bodies of {@code /v1/chat/completions}, field for field as OpenAI sends them. */
final class ChatCompletionResponses {
    private ChatCompletionResponses() {
    }

    record ChatCompletion(String id, String object, long created, String model, List<Choice> choices,
            UsageBody usage) {
        ChatCompletion(String id, long created, String model, List<Choice> choices, UsageBody usage) {
            this(id, "chat.completion", created, model, choices, usage);
        }
    }

    record Choice(int index, AssistantMessage message, Logprobs logprobs, String finishReason) {
    }

    record AssistantMessage(String role, String content, String refusal) {
        static AssistantMessage of(String content) {
            return new AssistantMessage("assistant", content, null);
        }
    }

    record ChatCompletionChunk(String id, String object, long created, String model, List<ChunkChoice> choices,
            @JsonInclude(JsonInclude.Include.NON_NULL) UsageBody usage) {
        ChatCompletionChunk(String id, long created, String model, List<ChunkChoice> choices, UsageBody usage) {
            this(id, "chat.completion.chunk", created, model, choices, usage);
        }
    }

    record ChunkChoice(int index, Delta delta, Logprobs logprobs, String finishReason) {
    }

    /** The first delta of a choice carries the role, later ones only content. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(String role, String content) {
    }

    record Logprobs(List<TokenLogprobBody> content, List<TokenLogprobBody> refusal) {
    }

    record TokenLogprobBody(String token, float logprob, List<Integer> bytes, List<TopLogprob> topLogprobs) {
    }

    record TopLogprob(String token, float logprob, List<Integer> bytes) {
    }
}
