package io.quantserve.node.openai;

import java.util.List;

/**
 * Reads tool calls out of a model's reply text, for tool_choice "auto" (vLLM's {@code --tool-call-parser}): each
 * model family writes its calls its own way.
 */
interface ToolCallParser {
    /** The names the node accepts, as vLLM spells them. */
    List<String> SUPPORTED = List.of("hermes", "llama3_json", "mistral");

    /** A tool call read from the text: the function's name and its arguments as a JSON text. */
    record ParsedCall(String name, String arguments) {
    }

    /** {@code calls} empty: the reply is {@code content} alone; else content is the text before the calls, or null. */
    record Parsed(String content, List<ParsedCall> calls) {
    }

    /** The reply read whole. */
    Parsed parse(String text);

    /** How much of a reply seen so far can be streamed as content: none of a call, nor what may begin one. */
    int streamableContent(String text);

    /** Whether the marker it reads calls by is a special token, which the reply's text must keep. */
    default boolean needsSpecialTokens() {
        return false;
    }

    /** An id for a new call (what the model's chat template accepts back). */
    default String callId() {
        return ToolCalling.callId();
    }

    /**
     * The parser vLLM calls {@code name}; null for none (empty).
     *
     * @throws IllegalArgumentException naming the supported ones when there is no such parser
     */
    static ToolCallParser named(String name) {
        return switch (name) {
            case "" -> null;
            case "hermes" -> HermesToolParser.INSTANCE;
            case "llama3_json" -> Llama3JsonToolParser.INSTANCE;
            case "mistral" -> MistralToolParser.INSTANCE;
            default -> throw new IllegalArgumentException("tool call parser '" + name + "' is not supported"
                    + " (supported: " + String.join(", ", SUPPORTED) + ")");
        };
    }

    /** The length of {@code text} less a tail that may be the beginning of {@code marker}. */
    static int beforePartial(String text, String marker) {
        for (int keep = Math.min(marker.length() - 1, text.length()); keep > 0; keep--) {
            if (marker.startsWith(text.substring(text.length() - keep))) {
                return text.length() - keep;
            }
        }
        return text.length();
    }

    /**
     * Where the JSON value starting at {@code start} ends (exclusive), brackets counted outside strings; -1 while it
     * is still open. The value itself is checked by whoever parses it.
     */
    static int jsonValueEnd(String text, int start) {
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                    if (depth == 0) {
                        return i + 1;
                    }
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    return i + 1;
                }
                if (depth < 0) {
                    return i; // a bare value ended by its container
                }
            } else if (depth == 0 && (c == ',' || Character.isWhitespace(c)) && i > start) {
                return i; // a number or literal ended
            }
        }
        return -1;
    }
}
