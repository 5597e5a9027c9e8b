package io.quantserve.node.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the calls out of a "required" reply as far as it has come: guided decoding writes {@code [{"name": "f",
 * "parameters": {...}}, ...]} with the keys in that order, so each call's name is known once its string closes and
 * its arguments are the raw text of the "parameters" value, which grows until its brackets balance. Streaming sends
 * each call's arguments as they grow; the whole reply returns the same text.
 */
final class RequiredCalls {
    private static final Pattern HEAD = Pattern.compile(
            "\\G[\\s,\\[]*\\{\\s*\"name\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,\\s*\"parameters\"\\s*:\\s*");

    private RequiredCalls() {
    }

    /**
     * A call seen so far: its arguments are {@code text[argumentsStart, argumentsEnd)}, {@code complete} once the
     * value's brackets balanced.
     */
    record Seen(String name, int argumentsStart, int argumentsEnd, boolean complete) {
        String arguments(String text) {
            return text.substring(argumentsStart, argumentsEnd);
        }
    }

    /** The calls in {@code text} so far (each once its arguments' first character is there), the last maybe incomplete. */
    static List<Seen> scan(String text) {
        List<Seen> calls = new ArrayList<>();
        int pos = 0;
        while (true) {
            Matcher head = HEAD.matcher(text);
            if (!head.find(pos)) {
                return calls;
            }
            String name = head.group(1); // one of the tools' names: letters, digits, '_', '-' (nothing escaped)
            int start = head.end();
            if (start == text.length()) {
                return calls; // the value has not begun: whitespace may still come before it
            }
            int end = ToolCallParser.jsonValueEnd(text, start);
            if (end < 0) {
                calls.add(new Seen(name, start, text.length(), false));
                return calls;
            }
            calls.add(new Seen(name, start, end, true));
            pos = text.indexOf('}', end); // the call's own closing brace
            if (pos < 0) {
                return calls;
            }
            pos++;
        }
    }
}
