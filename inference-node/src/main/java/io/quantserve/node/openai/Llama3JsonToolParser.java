package io.quantserve.node.openai;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads tool calls as Llama 3.1-3.3 write them with JSON-based tool calling: the reply is one or more
 * {@code {"name": ..., "parameters": {...}}} objects (or {@code "arguments"}), separated by {@code ;}, maybe after
 * {@code <|python_tag|>}. As vLLM's llama3_json parser: only a reply that begins with a call is read for calls (it has
 * no content then); one that does not parse whole is plain content.
 */
final class Llama3JsonToolParser implements ToolCallParser {
    static final Llama3JsonToolParser INSTANCE = new Llama3JsonToolParser();
    private static final String PYTHON_TAG = "<|python_tag|>";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Llama3JsonToolParser() {
    }

    @Override
    public Parsed parse(String text) {
        String body = text.strip();
        if (body.startsWith(PYTHON_TAG)) {
            body = body.substring(PYTHON_TAG.length()).stripLeading();
        }
        if (!body.startsWith("{")) {
            return new Parsed(text, List.of());
        }
        List<ParsedCall> calls = new ArrayList<>();
        int at = 0;
        while (at < body.length()) {
            int end = ToolCallParser.jsonValueEnd(body, at);
            if (end < 0) {
                return new Parsed(text, List.of());
            }
            try {
                JsonNode call = JSON.readTree(body.substring(at, end));
                JsonNode name = call.path("name");
                JsonNode arguments = call.has("arguments") ? call.get("arguments") : call.path("parameters");
                if (!name.isString() || name.asString().isBlank() || !(arguments.isObject()
                        || arguments.isMissingNode())) {
                    return new Parsed(text, List.of());
                }
                calls.add(new ParsedCall(name.asString(), arguments.isMissingNode() ? "{}"
                        : JSON.writeValueAsString(arguments)));
            } catch (JacksonException e) {
                return new Parsed(text, List.of());
            }
            at = end;
            while (at < body.length() && (Character.isWhitespace(body.charAt(at)) || body.charAt(at) == ';')) {
                at++;
            }
            if (at < body.length() && body.charAt(at) != '{') {
                return new Parsed(text, List.of());
            }
        }
        return new Parsed(null, calls);
    }

    /** A reply that begins (or may begin) with a call streams nothing; any other is content from its first piece. */
    @Override
    public int streamableContent(String text) {
        String body = text.stripLeading();
        if (body.isEmpty() || body.startsWith("{") || body.startsWith(PYTHON_TAG) || PYTHON_TAG.startsWith(body)) {
            return 0;
        }
        return text.length();
    }
}
