package io.quantserve.node.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads tool calls out of a reply in the Hermes format (NousResearch Hermes 2/3, Qwen 2.5 and 3 and others):
 * {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}, one block per call. As vLLM's hermes parser: the
 * content is the text before the first block (none when blank), and a block that is not such JSON makes the whole
 * reply plain content.
 */
final class HermesToolParser implements ToolCallParser {
    static final HermesToolParser INSTANCE = new HermesToolParser();
    static final String OPEN = "<tool_call>";
    private static final Pattern BLOCK = Pattern.compile("<tool_call>(.*?)</tool_call>|<tool_call>(.*)\\z",
            Pattern.DOTALL);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private HermesToolParser() {
    }

    @Override
    public Parsed parse(String text) {
        int start = text.indexOf(OPEN);
        if (start < 0) {
            return new Parsed(text, List.of());
        }
        List<ParsedCall> calls = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = (m.group(1) != null ? m.group(1) : m.group(2)).strip();
            try {
                JsonNode call = JSON.readTree(body);
                JsonNode name = call.path("name");
                if (!name.isString() || name.asString().isBlank()) {
                    return new Parsed(text, List.of());
                }
                JsonNode arguments = call.path("arguments");
                calls.add(new ParsedCall(name.asString(), arguments.isMissingNode() ? "{}"
                        : arguments.isString() ? arguments.asString() : JSON.writeValueAsString(arguments)));
            } catch (JacksonException e) {
                return new Parsed(text, List.of());
            }
        }
        String content = text.substring(0, start);
        return new Parsed(content.isBlank() ? null : content, calls);
    }

    /** All of the reply up to a tool-call block, less a tail that may be the beginning of one ({@code "<tool"}). */
    @Override
    public int streamableContent(String text) {
        int start = text.indexOf(OPEN);
        return start >= 0 ? start : ToolCallParser.beforePartial(text, OPEN);
    }
}
