package io.quantserve.engine.guided;

import io.quantserve.engine.guided.ValueSpec.Literal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * vLLM's structural tags (xgrammar's, as {@code response_format: {"type": "structural_tag", "structures": [{"begin",
 * "schema", "end"}], "triggers": [...]}}): free text, in which each trigger that appears must go on as one of the
 * structures that begin with it — the rest of its begin text, a JSON value of its schema, its end text — and free text
 * again after. How tool calls are written inside otherwise free replies ({@code <function=get_weather>{...}</function>}).
 */
final class StructuralTag {
    /** A structure whose begin starts with a trigger: the rest of the begin (null: none), the value, the end. */
    record Structure(Literal beginRest, ValueSpec value, Literal end) {
    }

    private final List<String> triggers; // as ISO-8859-1 strings of their UTF-8 bytes: one char a byte
    private final List<List<Structure>> structures; // per trigger

    private StructuralTag(List<String> triggers, List<List<Structure>> structures) {
        this.triggers = triggers;
        this.structures = structures;
    }

    /**
     * @throws IllegalArgumentException naming the field when the tag is not valid or a schema is not supported
     */
    static StructuralTag compile(JsonNode tag) {
        JsonNode triggersNode = tag.path("triggers");
        if (!triggersNode.isArray() || triggersNode.isEmpty()) {
            throw new IllegalArgumentException("structural_tag.triggers must be a non-empty list of strings");
        }
        List<String> triggers = new ArrayList<>();
        for (int i = 0; i < triggersNode.size(); i++) {
            JsonNode t = triggersNode.get(i);
            if (!t.isString() || t.asString().isEmpty()) {
                throw new IllegalArgumentException("structural_tag.triggers[" + i + "] must be a non-empty string");
            }
            triggers.add(bytes(t.asString()));
        }
        JsonNode list = tag.path("structures");
        if (!list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException("structural_tag.structures must be a non-empty list of {begin, schema,"
                    + " end}");
        }
        List<List<Structure>> structures = new ArrayList<>();
        triggers.forEach(t -> structures.add(new ArrayList<>()));
        for (int i = 0; i < list.size(); i++) {
            JsonNode s = list.get(i);
            String at = "structural_tag.structures[" + i + "]";
            if (!s.path("begin").isString() || !s.path("end").isString() || !s.path("schema").isObject()) {
                throw new IllegalArgumentException(at + " needs begin and end strings and a schema object");
            }
            String begin = bytes(s.get("begin").asString());
            int trigger = -1;
            for (int t = 0; t < triggers.size() && trigger < 0; t++) {
                trigger = begin.startsWith(triggers.get(t)) ? t : -1;
            }
            if (trigger < 0) {
                throw new IllegalArgumentException(at + ".begin must start with one of the triggers");
            }
            ValueSpec value;
            try {
                value = JsonSchemaCompiler.compile(s.get("schema"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ".schema: " + e.getMessage());
            }
            String rest = begin.substring(triggers.get(trigger).length());
            String end = s.get("end").asString();
            structures.get(trigger).add(new Structure(rest.isEmpty() ? null : literal(rest), value,
                    end.isEmpty() ? null : new Literal(end)));
        }
        return new StructuralTag(List.copyOf(triggers), structures);
    }

    /** The state before the first byte: free text. */
    Recognizer start() {
        return Recognizer.start(new TaggedTextFrame(this, ""), Integer.MAX_VALUE);
    }

    /**
     * After free text whose last bytes are {@code tail} (the longest end that begins a trigger), byte b: free text
     * again (with its new tail), or, when b completes a trigger, each structure of that trigger pushed over the free
     * text that follows it.
     */
    void feed(String tail, int b, Stack below, Stacks out) {
        String text = tail + (char) b;
        for (int t = 0; t < triggers.size(); t++) {
            if (text.endsWith(triggers.get(t))) {
                Stack after = below.push(new TaggedTextFrame(this, ""));
                for (Structure s : structures.get(t)) {
                    Stack then = s.end == null ? after : after.push(new LiteralFrame(s.end, 0));
                    then = then.push(new ValueFrame(s.value, 0));
                    out.add(s.beginRest == null ? then : then.push(new LiteralFrame(s.beginRest, 0)));
                }
                return; // a trigger is never plain text
            }
        }
        out.add(below.push(new TaggedTextFrame(this, longestTriggerStart(text))));
    }

    private String longestTriggerStart(String text) {
        for (int from = 0; from < text.length(); from++) {
            String end = text.substring(from);
            for (String t : triggers) {
                if (t.startsWith(end)) {
                    return end;
                }
            }
        }
        return "";
    }

    /** A string's UTF-8 bytes, one char each. */
    private static String bytes(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    /** The literal of text given as {@link #bytes}. */
    private static Literal literal(String bytes) {
        return new Literal(bytes.getBytes(StandardCharsets.ISO_8859_1));
    }
}
