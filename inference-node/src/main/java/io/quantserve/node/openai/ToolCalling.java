package io.quantserve.node.openai;

import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.node.config.NodeProperties;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's function tools on chat completions, served as vLLM serves them. The tools go to the chat template (its
 * {@code tools} variable). {@code tool_choice} "none" leaves the reply free text; a named function, or "required",
 * constrains the reply by guided decoding to JSON — the function's arguments, or a list of {@code {"name",
 * "parameters"}} — which becomes the tool calls; "auto" (the default when tools are given) lets the model choose,
 * its calls read out of the text by the parser the node was started with ({@code quantserve.node.tool-call-parser},
 * vLLM's {@code --tool-call-parser}: hermes, llama3_json, mistral), and is refused without one.
 */
@Component
class ToolCalling {
    /** Function names as OpenAI accepts them. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    enum Mode { NONE, AUTO, REQUIRED, NAMED }

    /**
     * @param templateTools the tools as the chat template sees them (null: none offered)
     * @param named         the function a NAMED choice calls
     * @param constraint    guided decoding for NAMED and REQUIRED, else null
     * @param parallel      parallel_tool_calls: false keeps a reply to one call at most
     * @param parser        the node's tool call parser (null: none): how AUTO reads the calls out of the reply, and
     *                      the ids of calls in every mode
     */
    record Plan(Mode mode, List<Map<String, Object>> templateTools, String named, Supplier<TokenConstraint> constraint,
            boolean parallel, ToolCallParser parser) {
        static final Plan NO_TOOLS = new Plan(Mode.NONE, null, null, null, true, null);

        /** Whether the reply's text must keep special tokens (the parser's call marker is one). */
        boolean keepsSpecialTokens() {
            return mode == Mode.AUTO && parser.needsSpecialTokens();
        }

        /** A new call's id, as the model's chat template takes it back. */
        String callId() {
            return parser == null ? ToolCalling.callId() : parser.callId();
        }
    }

    /** A call in a reply, with the id the client answers it by. */
    record Call(String id, String name, String arguments) {
    }

    /** A reply read for tool calls: {@code content} null when the reply is calls alone; {@code calls} maybe empty. */
    record Reply(String content, List<Call> calls) {
    }

    private final StructuredOutputs structuredOutputs;
    private final ToolCallParser parser; // null: none, "auto" refused

    ToolCalling(StructuredOutputs structuredOutputs, NodeProperties properties) {
        this.structuredOutputs = structuredOutputs;
        try {
            this.parser = ToolCallParser.named(properties.toolCallParser());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("quantserve.node.tool-call-parser: " + e.getMessage());
        }
    }

    Plan plan(ChatCompletionRequest request) {
        JsonNode tools = request.tools();
        JsonNode choice = request.toolChoice();
        if (tools == null || tools.isNull() || tools.isEmpty()) {
            if (choice != null && !choice.isNull() && !(choice.isString() && choice.asString().equals("none"))) {
                throw OpenAiException.invalid("tool_choice", "tool_choice needs tools");
            }
            return Plan.NO_TOOLS;
        }
        Offered offered = offered(tools);
        List<Map<String, Object>> templateTools = offered.templateTools();
        Map<String, JsonNode> parameters = offered.parameters();
        Mode mode = mode(choice, parameters.keySet());
        boolean parallel = request.parallelToolCalls() == null || request.parallelToolCalls();
        if (mode == Mode.NONE || mode == Mode.AUTO) {
            if (mode == Mode.AUTO && parser == null) {
                throw OpenAiException.invalid("tool_choice", "\"auto\" tool choice (the default with tools) needs the"
                        + " node started with a tool call parser (--tool-call-parser " + String.join(" | ",
                        ToolCallParser.SUPPORTED) + "); \"none\", \"required\" or a named function work without one");
            }
            return new Plan(mode, templateTools, null, null, parallel, parser);
        }
        structuredOutputs.askedIn(request).ifPresent(guided -> {
            throw OpenAiException.invalid(guided, guided + " cannot be combined with tool_choice "
                    + (mode == Mode.REQUIRED ? "\"required\"" : "naming a function") + ": the reply is the tool call");
        });
        boolean ignoreEos = Boolean.TRUE.equals(request.ignoreEos());
        if (mode == Mode.NAMED) {
            String name = choice.path("function").path("name").asString();
            String param = "tools[" + List.copyOf(parameters.keySet()).indexOf(name) + "].function.parameters";
            return new Plan(mode, templateTools, name, structuredOutputs.jsonSchema(parameters.get(name), param,
                    ignoreEos), false, parser);
        }
        return new Plan(mode, templateTools, null,
                structuredOutputs.jsonSchema(requiredSchema(parameters, parallel), "tools", ignoreEos), parallel,
                parser);
    }

    /** Checked tools: as the chat template sees them, and each function's parameter schema by name. */
    record Offered(List<Map<String, Object>> templateTools, Map<String, JsonNode> parameters) {
    }

    /** The request's function tools, checked; null or empty: none. */
    static Offered offered(JsonNode tools) {
        if (tools == null || tools.isNull() || tools.isEmpty()) {
            return new Offered(null, Map.of());
        }
        if (!tools.isArray()) {
            throw OpenAiException.invalid("tools", "tools must be a list of function tools");
        }
        List<Map<String, Object>> templateTools = new ArrayList<>();
        Map<String, JsonNode> parameters = new LinkedHashMap<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String param = "tools[" + i + "]";
            if (!"function".equals(tool.path("type").asString(null))) {
                throw OpenAiException.invalid(param + ".type", "only function tools are supported, got "
                        + tool.path("type"));
            }
            String name = tool.path("function").path("name").asString("");
            if (!NAME.matcher(name).matches()) {
                throw OpenAiException.invalid(param + ".function.name", "a function name is 1 to 64 letters, digits,"
                        + " '_' or '-', got '" + name + "'");
            }
            if (parameters.containsKey(name)) {
                throw OpenAiException.invalid(param + ".function.name", "two tools are named '" + name + "'");
            }
            JsonNode schema = tool.path("function").path("parameters");
            if (!schema.isMissingNode() && !schema.isObject()) {
                throw OpenAiException.invalid(param + ".function.parameters", "parameters must be a JSON schema object");
            }
            parameters.put(name, schema.isObject() ? schema : emptyObjectSchema());
            @SuppressWarnings("unchecked")
            Map<String, Object> asTemplateSees = JSON.convertValue(tool, Map.class);
            templateTools.add(asTemplateSees);
        }
        return new Offered(templateTools, parameters);
    }

    private static Mode mode(JsonNode choice, Set<String> names) {
        if (choice == null || choice.isNull()) {
            return Mode.AUTO;
        }
        if (choice.isString()) {
            return switch (choice.asString()) {
                case "none" -> Mode.NONE;
                case "auto" -> Mode.AUTO;
                case "required" -> Mode.REQUIRED;
                default -> throw OpenAiException.invalid("tool_choice", "tool_choice must be \"none\", \"auto\","
                        + " \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}, got \""
                        + choice.asString() + "\"");
            };
        }
        String name = choice.path("function").path("name").asString(null);
        if (!"function".equals(choice.path("type").asString(null)) || name == null) {
            throw OpenAiException.invalid("tool_choice", "a named tool choice is {\"type\": \"function\", \"function\":"
                    + " {\"name\": ...}}");
        }
        if (!names.contains(name)) {
            throw OpenAiException.invalid("tool_choice", "tool_choice names '" + name + "', which is not among the"
                    + " tools (" + String.join(", ", names) + ")");
        }
        return Mode.NAMED;
    }

    /**
     * "required": a list of one or more calls, each {"name": one of the tools, "parameters": its arguments}. Each
     * tool's parameter schema is kept whole under {@code $defs} of the list's schema and referred to from its call,
     * its own local references ({@code #}, {@code #/$defs/...}) moved with it, so that they still reach what they did
     * in the tool's schema and not the list's.
     */
    private static JsonNode requiredSchema(Map<String, JsonNode> parameters, boolean parallel) {
        ObjectNode schema = JSON.createObjectNode().put("type", "array").put("minItems", 1);
        if (!parallel) {
            schema.put("maxItems", 1);
        }
        ArrayNode anyOf = schema.putObject("items").putArray("anyOf");
        ObjectNode defs = schema.putObject("$defs");
        int index = 0;
        for (Map.Entry<String, JsonNode> tool : parameters.entrySet()) {
            String at = "#/$defs/tool_" + index++;
            defs.set(at.substring("#/$defs/".length()), relocated(tool.getValue(), at));
            ObjectNode call = anyOf.addObject().put("type", "object");
            call.putObject("properties").<ObjectNode>set("name", JSON.createObjectNode().put("const", tool.getKey()))
                    .set("parameters", JSON.createObjectNode().put("$ref", at));
            call.putArray("required").add("name").add("parameters");
            call.put("additionalProperties", false);
        }
        return schema;
    }

    /** A copy of {@code schema} whose local references ("#...") point into it where it will be, at {@code at}. */
    private static JsonNode relocated(JsonNode schema, String at) {
        if (schema.isArray()) {
            ArrayNode copy = JSON.createArrayNode();
            schema.forEach(item -> copy.add(relocated(item, at)));
            return copy;
        }
        if (!schema.isObject()) {
            return schema;
        }
        ObjectNode copy = JSON.createObjectNode();
        for (Map.Entry<String, JsonNode> field : schema.properties()) {
            JsonNode value = field.getValue();
            String key = field.getKey();
            if (key.equals("$ref") && value.isString() && value.asString().startsWith("#")) {
                copy.put(key, at + value.asString().substring(1));
            } else if (key.equals("const") || key.equals("enum") || key.equals("default") || key.equals("examples")) {
                copy.set(key, value); // values, not schemas
            } else {
                copy.set(key, relocated(value, at));
            }
        }
        return copy;
    }

    private static JsonNode emptyObjectSchema() {
        ObjectNode schema = JSON.createObjectNode().put("type", "object");
        schema.putObject("properties");
        return schema;
    }

    /** A finished reply as the client gets it: free text, or the calls the plan asked for or the model made. */
    static Reply reply(Plan plan, String text) {
        return switch (plan.mode()) {
            case NONE -> new Reply(text, List.of());
            case NAMED -> new Reply(null, List.of(new Call(plan.callId(), plan.named(), text)));
            case REQUIRED -> required(plan, text);
            case AUTO -> {
                ToolCallParser.Parsed parsed = plan.parser().parse(text);
                yield new Reply(parsed.content(), parsed.calls().stream().limit(plan.parallel() ? Long.MAX_VALUE : 1)
                        .map(c -> new Call(plan.callId(), c.name(), c.arguments())).toList());
            }
        };
    }

    /**
     * The "required" list read back, each call's arguments as the reply wrote them (as streaming sends them); a list
     * cut short (the token limit) stays text.
     */
    private static Reply required(Plan plan, String text) {
        try {
            if (!JSON.readTree(text).isArray()) {
                return new Reply(text, List.of());
            }
        } catch (JacksonException e) {
            return new Reply(text, List.of());
        }
        List<Call> calls = RequiredCalls.scan(text).stream().filter(RequiredCalls.Seen::complete)
                .map(c -> new Call(plan.callId(), c.name(), c.arguments(text))).toList();
        return calls.isEmpty() ? new Reply(text, List.of()) : new Reply(null, calls);
    }

    /** "tool_calls" when the model chose to call (auto, required) and stopped by itself; else the engine's reason. */
    static String finishReason(Plan plan, Reply reply, String finishReason) {
        boolean chose = plan.mode() == Mode.AUTO || plan.mode() == Mode.REQUIRED;
        return chose && !reply.calls().isEmpty() && "stop".equals(finishReason) ? "tool_calls" : finishReason;
    }

    static String callId() {
        return "chatcmpl-tool-" + UUID.randomUUID().toString().replace("-", "");
    }

    /**
     * A conversation's assistant tool calls as the chat template sees them: arguments parsed into a mapping (vLLM
     * hands templates dicts, which they print with tojson).
     */
    static List<Map<String, Object>> templateToolCalls(JsonNode toolCalls, String param) {
        if (toolCalls == null || toolCalls.isNull()) {
            return null;
        }
        if (!toolCalls.isArray()) {
            throw OpenAiException.invalid(param, "tool_calls must be a list");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int j = 0; j < toolCalls.size(); j++) {
            JsonNode call = toolCalls.get(j);
            String at = param + "[" + j + "]";
            JsonNode function = call.path("function");
            if (!function.path("name").isString()) {
                throw OpenAiException.invalid(at + ".function.name", "a tool call needs its function's name");
            }
            Object arguments;
            JsonNode raw = function.path("arguments");
            try {
                arguments = raw.isString() ? JSON.readValue(raw.asString(), Object.class)
                        : raw.isMissingNode() ? Map.of() : JSON.convertValue(raw, Object.class);
            } catch (JacksonException e) {
                throw OpenAiException.invalid(at + ".function.arguments", "arguments must be a JSON text: "
                        + e.getOriginalMessage());
            }
            String id = call.path("id").asString(null);
            if (id != null && !seen.add(id)) {
                throw OpenAiException.invalid(at + ".id", "two tool calls have the id '" + id + "'");
            }
            Map<String, Object> fn = new LinkedHashMap<>();
            fn.put("name", function.path("name").asString());
            fn.put("arguments", arguments);
            Map<String, Object> map = new LinkedHashMap<>();
            if (id != null) {
                map.put("id", id);
            }
            map.put("type", "function");
            map.put("function", fn);
            out.add(map);
        }
        return out;
    }
}
