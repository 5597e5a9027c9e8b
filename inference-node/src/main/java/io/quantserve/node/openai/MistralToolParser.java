package io.quantserve.node.openai;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads tool calls as Mistral models write them: the special token {@code [TOOL_CALLS]}, then a JSON list of
 * {@code {"name", "arguments"}} (tokenizers before v11) or, one per marker, {@code name[ARGS]{...}} (v11 and later).
 * As vLLM's mistral parser: the content is the text before the marker (none when empty), the reply keeps its special
 * tokens so the marker can be seen, and call ids are 9 letters and digits, the only ids Mistral's templates take back.
 */
final class MistralToolParser implements ToolCallParser {
    static final MistralToolParser INSTANCE = new MistralToolParser();
    private static final String MARKER = "[TOOL_CALLS]";
    private static final String ARGS = "[ARGS]";
    private static final String ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private MistralToolParser() {
    }

    @Override
    public Parsed parse(String text) {
        int start = text.indexOf(MARKER);
        if (start < 0) {
            return new Parsed(text, List.of());
        }
        String content = text.substring(0, start);
        List<ParsedCall> calls = new ArrayList<>();
        try {
            String rest = text.substring(start + MARKER.length()).strip();
            if (rest.startsWith("[")) { // [{"name": ..., "arguments": {...}}, ...]
                JsonNode list = JSON.readTree(rest);
                for (JsonNode call : list) {
                    if (!call.path("name").isString() || !call.path("arguments").isObject()) {
                        return new Parsed(text, List.of());
                    }
                    calls.add(new ParsedCall(call.get("name").asString(),
                            JSON.writeValueAsString(call.get("arguments"))));
                }
            } else { // name[ARGS]{...}[TOOL_CALLS]name[ARGS]{...}
                for (String one : rest.split(java.util.regex.Pattern.quote(MARKER))) {
                    int args = one.indexOf(ARGS);
                    if (args <= 0) {
                        return new Parsed(text, List.of());
                    }
                    JsonNode arguments = JSON.readTree(one.substring(args + ARGS.length()).strip());
                    if (!arguments.isObject()) {
                        return new Parsed(text, List.of());
                    }
                    calls.add(new ParsedCall(one.substring(0, args).strip(), JSON.writeValueAsString(arguments)));
                }
            }
        } catch (JacksonException e) {
            return new Parsed(text, List.of());
        }
        return calls.isEmpty() ? new Parsed(text, List.of()) : new Parsed(content.isEmpty() ? null : content, calls);
    }

    @Override
    public int streamableContent(String text) {
        int start = text.indexOf(MARKER);
        return start >= 0 ? start : ToolCallParser.beforePartial(text, MARKER);
    }

    @Override
    public boolean needsSpecialTokens() {
        return true;
    }

    @Override
    public String callId() {
        StringBuilder id = new StringBuilder(9);
        for (int i = 0; i < 9; i++) {
            id.append(ID_CHARS.charAt(RANDOM.nextInt(ID_CHARS.length())));
        }
        return id.toString();
    }
}
