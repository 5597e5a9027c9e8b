package io.quantserve.node.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quantserve.node.generation.Usage;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** The Responses API's bodies: the response object, its output items, and the streamed events. */
final class ResponseBodies {
    private ResponseBodies() {
    }

    /**
     * @param status completed, incomplete (the token limit ended it: {@code incomplete_details.reason}
     *               max_output_tokens) or in_progress (the first streamed events)
     */
    record Response(String id, String object, long createdAt, String status, Object error,
            IncompleteDetails incompleteDetails, String instructions, Integer maxOutputTokens, String model,
            List<Item> output, boolean parallelToolCalls, Float temperature, Object toolChoice, Object tools,
            Float topP, JsonNode metadata, Text text, String truncation, ResponseUsage usage,
            String previousResponseId, boolean store) {
    }

    record IncompleteDetails(String reason) {
    }

    /** @param format as asked, or {@code {"type": "text"}} */
    record Text(Object format) {
    }

    /**
     * An output item: a message ({@code role}, {@code content}), a reasoning item ({@code content}, {@code summary}) or
     * a function call ({@code call_id}, {@code name}, {@code arguments} as JSON text).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Item(String id, String type, String status, String role, List<Part> content, List<Part> summary,
            String callId, String name, String arguments) {
        static Item message(String id, String status, List<Part> content) {
            return new Item(id, "message", status, "assistant", content, null, null, null, null);
        }

        static Item reasoning(String id, String status, List<Part> content) {
            return new Item(id, "reasoning", status, null, content, List.of(), null, null, null);
        }

        static Item functionCall(String id, String status, String callId, String name, String arguments) {
            return new Item(id, "function_call", status, null, null, null, callId, name, arguments);
        }
    }

    /** output_text (with its annotations, none here) or reasoning_text. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Part(String type, String text, List<Object> annotations) {
        static Part outputText(String text) {
            return new Part("output_text", text, List.of());
        }

        static Part reasoningText(String text) {
            return new Part("reasoning_text", text, null);
        }
    }

    record ResponseUsage(int inputTokens, TokenDetails inputTokensDetails, int outputTokens,
            TokenDetails outputTokensDetails, int totalTokens) {
    }

    /** cached_tokens for inputs, reasoning_tokens for outputs: the one that applies is set, the other 0. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record TokenDetails(Integer cachedTokens, Integer reasoningTokens) {
    }

    /** One streamed event; {@code type} is also the SSE event name. */
    interface Event {
        String type();
    }

    record ResponseEvent(String type, long sequenceNumber, Response response) implements Event {
    }

    record ItemEvent(String type, long sequenceNumber, int outputIndex, Item item) implements Event {
    }

    record PartEvent(String type, long sequenceNumber, String itemId, int outputIndex, int contentIndex, Part part)
            implements Event {
    }

    record DeltaEvent(String type, long sequenceNumber, String itemId, int outputIndex, int contentIndex, String delta)
            implements Event {
    }

    record TextDoneEvent(String type, long sequenceNumber, String itemId, int outputIndex, int contentIndex,
            String text) implements Event {
    }

    record ArgumentsDeltaEvent(String type, long sequenceNumber, String itemId, int outputIndex, String delta)
            implements Event {
    }

    record ArgumentsDoneEvent(String type, long sequenceNumber, String itemId, int outputIndex, String arguments)
            implements Event {
    }

    record ErrorEvent(String type, long sequenceNumber, String code, String message, String param) implements Event {
    }

    /** What every state of one request's response object shares; {@link #response} is it at a state. */
    record Frame(ResponseRequest request, String id, long created, String model) {
        Response response(String status, List<Item> output, Usage usage) {
            JsonNode format = request.text() == null ? null : request.text().get("format");
            ResponseUsage tokens = usage == null ? null : new ResponseUsage(usage.promptTokens(),
                    new TokenDetails(0, null), usage.completionTokens(), new TokenDetails(null, 0), usage.totalTokens());
            return new Response(id, "response", created, status, null,
                    status.equals("incomplete") ? new IncompleteDetails("max_output_tokens") : null,
                    request.instructions(), request.maxOutputTokens(), model, output,
                    !Boolean.FALSE.equals(request.parallelToolCalls()), request.temperature(),
                    request.toolChoice() == null || request.toolChoice().isNull() ? "auto" : request.toolChoice(),
                    request.tools() == null || request.tools().isNull() ? List.of() : request.tools(),
                    request.topP(), request.metadata(),
                    new Text(format != null ? format : Map.of("type", "text")), "disabled", tokens,
                    request.previousResponseId(), !Boolean.FALSE.equals(request.store()));
        }
    }
}
