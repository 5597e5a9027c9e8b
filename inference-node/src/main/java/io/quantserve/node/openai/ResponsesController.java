package io.quantserve.node.openai;

import io.quantserve.node.config.NodeProperties;
import io.quantserve.node.engine.NodeEngine;
import io.quantserve.node.generation.GenerationParams;
import io.quantserve.node.generation.TextGeneration;
import io.quantserve.node.openai.ResponseBodies.Response;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/responses}: OpenAI's Responses API over the chat path (the input as a conversation through the
 * model's chat template), whole or as its streamed events. With a reasoning parser a thinking model's
 * {@code <think>...</think>} becomes a reasoning item before the message. Responses are stored (unless {@code store}
 * is false) for {@code GET}/{@code DELETE /v1/responses/{id}} and for {@code previous_response_id}, which continues a
 * stored response's conversation.
 */
@RestController
class ResponsesController {
    /** Chat parameter names as the Responses API calls them, for refusals that come from the chat path. */
    private static final Map<String, String> PARAMS = Map.of("messages", "input",
            "max_completion_tokens", "max_output_tokens", "response_format", "text.format");

    private final TextGeneration generation;
    private final GenerationRequests requests;
    private final ToolCalling toolCalling;
    private final ResponseStore store;
    private final String modelName;
    private final JsonMapper json;
    private final ReasoningParser reasoningParser;

    ResponsesController(TextGeneration generation, GenerationRequests requests, ToolCalling toolCalling,
            ResponseStore store, NodeEngine engine, JsonMapper json, NodeProperties properties) {
        this.generation = generation;
        this.requests = requests;
        this.toolCalling = toolCalling;
        this.store = store;
        this.modelName = engine.model().name();
        this.json = json;
        this.reasoningParser = ReasoningParser.named(properties.reasoningParser());
    }

    @PostMapping("/v1/responses")
    ResponseEntity<?> create(@RequestBody ResponseRequest request, HttpServletResponse response)
            throws InterruptedException, IOException {
        List<ChatCompletionRequest.Message> history = request.previousResponseId() == null ? List.of()
                : stored(request.previousResponseId(), "previous_response_id").conversation();
        List<ChatCompletionRequest.Message> input = inputMessages(request);
        ChatCompletionRequest chat = asChat(request, history, input);
        ToolCalling.Plan tools = renamed(() -> toolCalling.plan(chat));
        GenerationParams params = renamed(() -> requests.chat(chat, tools));
        String id = "resp_" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        GenerationEvents events = new GenerationEvents();
        TextGeneration.Handle handle = generation.start(id, params, events);
        ResponseEventStream stream = new ResponseEventStream(new ResponseBodies.Frame(request, id, created, modelName),
                new ReplyReader(reasoningParser, tools, params).stream());
        if (!Boolean.TRUE.equals(request.stream())) { // the object the stream would end with, from the whole reply
            GenerationEvents.Collected whole = events.collect(1, handle);
            Response done = stream.whole(whole.texts().getFirst(), whole.finishReasons().getFirst(), whole.usage());
            keep(request, done, history, input);
            return ResponseEntity.ok(done);
        }
        events.stream(SseWriter.openNamed(response, json), handle, stream.start(), stream::next, usage -> {
            List<ResponseBodies.Event> end = stream.end(usage);
            keep(request, ((ResponseBodies.ResponseEvent) end.getLast()).response(), history, input);
            return end;
        }, stream::failed);
        return null; // the response is written
    }

    @GetMapping("/v1/responses/{id}")
    Response get(@PathVariable String id) {
        return stored(id, null).response();
    }

    record Deleted(String id, String object, boolean deleted) {
    }

    @DeleteMapping("/v1/responses/{id}")
    Deleted delete(@PathVariable String id) {
        if (!store.remove(id)) {
            throw notFound(id, null);
        }
        return new Deleted(id, "response.deleted", true);
    }

    private ResponseStore.Stored stored(String id, String param) {
        return store.get(id).orElseThrow(() -> notFound(id, param));
    }

    private static OpenAiException notFound(String id, String param) {
        return new OpenAiException(HttpStatus.NOT_FOUND, "invalid_request_error", param, "response_not_found",
                "Response with id '" + id + "' not found (this node keeps its last " + ResponseStore.CAPACITY
                        + " stored responses, in memory).");
    }

    /**
     * A finished response kept (unless {@code store} is false) with its conversation: the earlier turns, this
     * request's input, and its reply as an assistant turn (text and function calls; reasoning is not carried on).
     */
    private void keep(ResponseRequest request, Response done, List<ChatCompletionRequest.Message> history,
            List<ChatCompletionRequest.Message> input) {
        if (Boolean.FALSE.equals(request.store())) {
            return;
        }
        List<ChatCompletionRequest.Message> conversation = new ArrayList<>(history);
        conversation.addAll(input);
        StringBuilder text = new StringBuilder();
        ArrayNode calls = json.createArrayNode();
        for (ResponseBodies.Item item : done.output()) {
            if (item.type().equals("message")) {
                item.content().forEach(part -> text.append(part.text()));
            } else if (item.type().equals("function_call")) {
                ObjectNode call = calls.addObject().put("id", item.callId()).put("type", "function");
                call.putObject("function").put("name", item.name()).put("arguments", item.arguments());
            }
        }
        conversation.add(new ChatCompletionRequest.Message("assistant",
                calls.isEmpty() || !text.isEmpty() ? json.valueToTree(text.toString()) : null,
                calls.isEmpty() ? null : calls, null));
        store.put(new ResponseStore.Stored(done, List.copyOf(conversation)));
    }

    /**
     * The request as a chat request: its instructions (an earlier response's are not carried on, as in OpenAI's API),
     * the earlier turns, its input; what the Responses API has and this node does not serve is refused by name.
     */
    private ChatCompletionRequest asChat(ResponseRequest r, List<ChatCompletionRequest.Message> history,
            List<ChatCompletionRequest.Message> input) {
        List<ChatCompletionRequest.Message> messages = new ArrayList<>();
        if (r.instructions() != null) {
            messages.add(message("system", r.instructions()));
        }
        messages.addAll(history);
        messages.addAll(input);
        return new ChatCompletionRequest(r.model(), messages, null, r.maxOutputTokens(), r.temperature(), r.topP(),
                r.topK(), null, null, null, null, r.seed(), null, null, null, null, r.stream(), null, null,
                responseFormat(r.text()), null, chatTools(r.tools()), chatToolChoice(r.toolChoice()),
                r.parallelToolCalls(), null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, r.chatTemplateKwargs(), null, null, null, null, null);
    }

    /** The request's input as chat messages. */
    private List<ChatCompletionRequest.Message> inputMessages(ResponseRequest r) {
        List<ChatCompletionRequest.Message> messages = new ArrayList<>();
        JsonNode input = r.input();
        if (input == null || input.isNull()) {
            throw OpenAiException.invalid("input", "input is required: a string or a list of messages");
        } else if (input.isString()) {
            messages.add(message("user", input.asString()));
        } else if (input.isArray()) {
            for (int i = 0; i < input.size(); i++) {
                addInput(messages, input.get(i), "input[" + i + "]");
            }
        } else {
            throw OpenAiException.invalid("input", "input must be a string or a list of messages");
        }
        return messages;
    }

    private ChatCompletionRequest.Message message(String role, String text) {
        return new ChatCompletionRequest.Message(role, json.valueToTree(text), null, null);
    }

    /**
     * One input item as chat messages: a message; a function_call joins the assistant turn before it (or opens one)
     * as a tool call; a function_call_output is the tool turn that answers it; a reasoning item (an earlier
     * response's output sent back, as agent frameworks do) is left out: thinking models' templates drop earlier
     * turns' reasoning too.
     */
    private void addInput(List<ChatCompletionRequest.Message> messages, JsonNode item, String at) {
        String type = item.path("type").asString("message");
        switch (type) {
            case "message" -> messages.add(inputMessage(item, at));
            case "function_call" -> {
                ObjectNode call = json.createObjectNode().put("id", required(item, "call_id", at))
                        .put("type", "function");
                call.putObject("function").put("name", required(item, "name", at))
                        .put("arguments", required(item, "arguments", at));
                ChatCompletionRequest.Message last = messages.isEmpty() ? null : messages.getLast();
                if (last != null && last.role().equals("assistant")) {
                    ArrayNode calls = json.createArrayNode();
                    if (last.toolCalls() != null) {
                        calls.addAll((ArrayNode) last.toolCalls());
                    }
                    messages.set(messages.size() - 1, new ChatCompletionRequest.Message("assistant", last.content(),
                            calls.add(call), null));
                } else {
                    messages.add(new ChatCompletionRequest.Message("assistant", null, json.createArrayNode().add(call),
                            null));
                }
            }
            case "function_call_output" -> messages.add(new ChatCompletionRequest.Message("tool",
                    json.valueToTree(required(item, "output", at)), null, required(item, "call_id", at)));
            case "reasoning" -> {
            }
            default -> throw OpenAiException.invalid(at + ".type", "input items of type " + type + " are not"
                    + " supported (message, function_call, function_call_output, reasoning)");
        }
    }

    private static String required(JsonNode item, String field, String at) {
        JsonNode value = item.get(field);
        if (value == null || !value.isString()) {
            throw OpenAiException.invalid(at + "." + field, field + " is required (a string)");
        }
        return value.asString();
    }

    /** The Responses API's flat function tools as chat's {@code {"type", "function": {...}}}. */
    private JsonNode chatTools(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return null;
        }
        if (!tools.isArray()) {
            throw OpenAiException.invalid("tools", "tools must be a list");
        }
        ArrayNode chat = json.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String type = tool.path("type").asString("");
            if (!type.equals("function")) {
                throw OpenAiException.invalid("tools[" + i + "].type", "only function tools are supported, got "
                        + (type.isEmpty() ? "a tool without a type" : type));
            }
            ObjectNode function = chat.addObject().put("type", "function").putObject("function");
            for (String field : List.of("name", "description", "parameters")) {
                if (tool.has(field)) {
                    function.set(field, tool.get(field));
                }
            }
        }
        return chat;
    }

    /** "auto", "none", "required", or {@code {"type": "function", "name"}} as chat's named choice. */
    private JsonNode chatToolChoice(JsonNode choice) {
        if (choice == null || choice.isNull() || choice.isString()) {
            return choice;
        }
        if (!choice.path("type").asString("").equals("function") || !choice.path("name").isString()) {
            throw OpenAiException.invalid("tool_choice", "tool_choice must be auto, none, required or"
                    + " {\"type\": \"function\", \"name\": ...}");
        }
        ObjectNode named = json.createObjectNode().put("type", "function");
        named.putObject("function").put("name", choice.get("name").asString());
        return named;
    }

    /** {@code {"role", "content"}} (type "message" or none) with a string or input_text/output_text parts. */
    private ChatCompletionRequest.Message inputMessage(JsonNode item, String at) {
        String role = item.path("role").asString(null);
        if (role == null || !List.of("user", "assistant", "system", "developer").contains(role)) {
            throw OpenAiException.invalid(at + ".role", "role must be user, assistant, system or developer");
        }
        JsonNode content = item.path("content");
        String text;
        if (content.isString()) {
            text = content.asString();
        } else if (content.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode part : content) {
                String partType = part.path("type").asString("");
                if (!(partType.equals("input_text") || partType.equals("output_text")) || !part.path("text").isString()) {
                    throw OpenAiException.invalid(at + ".content", "only input_text and output_text parts are"
                            + " supported, got " + (partType.isEmpty() ? "a part without a type" : partType));
                }
                parts.add(part.get("text").asString());
            }
            text = String.join("\n", parts);
        } else {
            throw OpenAiException.invalid(at + ".content", "content must be a string or a list of text parts");
        }
        return message(role.equals("developer") ? "system" : role, text);
    }

    /** {@code text.format} as chat's response_format: text (none), json_object, or json_schema {name, schema, strict}. */
    private JsonNode responseFormat(JsonNode text) {
        JsonNode format = text == null ? null : text.get("format");
        if (format == null || format.isNull() || format.path("type").asString("").equals("text")) {
            return null;
        }
        String type = format.path("type").asString("");
        ObjectNode chat = json.createObjectNode().put("type", type);
        if (type.equals("json_schema")) {
            ObjectNode schema = chat.putObject("json_schema");
            schema.set("name", format.get("name"));
            schema.set("schema", format.get("schema"));
            schema.set("strict", format.get("strict"));
        }
        return chat;
    }

    /** Runs a step of the chat path, its refusals naming the Responses API's fields. */
    private static <T> T renamed(Supplier<T> step) {
        try {
            return step.get();
        } catch (OpenAiException e) {
            String param = e.param();
            String message = e.getMessage();
            for (var name : PARAMS.entrySet()) {
                if (param != null && param.startsWith(name.getKey())) { // the field or a path inside it
                    param = name.getValue() + param.substring(name.getKey().length());
                }
                message = message.replace(name.getKey(), name.getValue());
            }
            throw new OpenAiException(e.status(), e.type(), param, e.code(), message);
        }
    }
}
