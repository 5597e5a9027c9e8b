package io.quantserve.node.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** Response bodies of {@code /v1/chat/completions}, field for field as OpenAI sends them. */
final class ChatCompletionResponses {
    private ChatCompletionResponses() {
    }

    /** {@code promptLogprobs}, {@code promptTokenIds}: vLLM's, when asked. */
    record ChatCompletion(String id, String object, long created, String model, List<Choice> choices,
            UsageBody usage,
            @JsonInclude(JsonInclude.Include.NON_NULL)
            List<Map<String, CompletionResponses.PromptLogprob>> promptLogprobs,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Integer> promptTokenIds) {
        ChatCompletion(String id, long created, String model, List<Choice> choices, UsageBody usage,
                List<Map<String, CompletionResponses.PromptLogprob>> promptLogprobs, List<Integer> promptTokenIds) {
            this(id, "chat.completion", created, model, choices, usage, promptLogprobs, promptTokenIds);
        }
    }

    /** {@code tokenIds}: vLLM's return_token_ids, when asked. */
    record Choice(int index, AssistantMessage message, Logprobs logprobs, String finishReason,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Integer> tokenIds) {
    }

    /**
     * {@code content} null when the reply is tool calls alone (or thinking alone); {@code tool_calls} only when there
     * are some; {@code reasoning_content} only with a reasoning parser, when the model thought.
     */
    record AssistantMessage(String role, String content, String refusal,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ToolCallBody> toolCalls,
            @JsonInclude(JsonInclude.Include.NON_NULL) String reasoningContent) {

        static AssistantMessage of(ToolCalling.Reply reply, String reasoning) {
            return new AssistantMessage("assistant", reply.content(), null, reply.calls().stream()
                    .map(c -> new ToolCallBody(c.id(), "function", new FunctionBody(c.name(), c.arguments())))
                    .toList(), reasoning);
        }
    }

    record ToolCallBody(String id, String type, FunctionBody function) {
    }

    /** @param arguments the arguments as a JSON text */
    record FunctionBody(String name, String arguments) {
    }

    /** {@code promptTokenIds}: vLLM's return_token_ids, on a choice's first chunk. */
    record ChatCompletionChunk(String id, String object, long created, String model, List<ChunkChoice> choices,
            @JsonInclude(JsonInclude.Include.NON_NULL) UsageBody usage,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Integer> promptTokenIds) {
        ChatCompletionChunk(String id, long created, String model, List<ChunkChoice> choices, UsageBody usage) {
            this(id, "chat.completion.chunk", created, model, choices, usage, null);
        }

        ChatCompletionChunk withUsage(UsageBody usage) {
            return new ChatCompletionChunk(id, object, created, model, choices, usage, promptTokenIds);
        }

        ChatCompletionChunk withPromptTokenIds(List<Integer> ids) {
            return new ChatCompletionChunk(id, object, created, model, choices, usage, ids);
        }
    }

    /** {@code tokenIds}: vLLM's return_token_ids, the new ids (on the first chunk a delta became). */
    record ChunkChoice(int index, Delta delta, Logprobs logprobs, String finishReason,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Integer> tokenIds) {
        ChunkChoice(int index, Delta delta, Logprobs logprobs, String finishReason) {
            this(index, delta, logprobs, finishReason, null);
        }
    }

    /** The first delta of a choice carries the role, later ones content, reasoning or tool-call pieces. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(String role, String content, List<ToolCallDelta> toolCalls, String reasoningContent) {
        Delta(String role, String content, List<ToolCallDelta> toolCalls) {
            this(role, content, toolCalls, null);
        }

        static Delta content(String content) {
            return new Delta(null, content, null);
        }

        static Delta reasoning(String reasoning) {
            return new Delta(null, null, null, reasoning);
        }
    }

    /** A piece of tool call {@code index}: its first piece has the id, type and name, later ones more arguments. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ToolCallDelta(int index, String id, String type, FunctionDelta function) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FunctionDelta(String name, String arguments) {
    }

    record Logprobs(List<TokenLogprobBody> content, List<TokenLogprobBody> refusal) {
    }

    record TokenLogprobBody(String token, float logprob, List<Integer> bytes, List<TopLogprob> topLogprobs) {
    }

    record TopLogprob(String token, float logprob, List<Integer> bytes) {
    }
}
