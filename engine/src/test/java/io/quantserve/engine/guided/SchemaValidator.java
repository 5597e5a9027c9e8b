package io.quantserve.engine.guided;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** An independent check of a document against the JSON schema subset the grammar supports (test oracle). */
public final class SchemaValidator {
    private final JsonNode root;

    private SchemaValidator(JsonNode root) {
        this.root = root;
    }

    /** The problems found, empty when {@code doc} is an instance of {@code schema}. */
    public static List<String> problems(JsonNode schema, JsonNode doc) {
        List<String> out = new ArrayList<>();
        new SchemaValidator(schema).check(schema, doc, "$", out);
        return out;
    }

    private void check(JsonNode s, JsonNode v, String at, List<String> out) {
        if (s.isBoolean()) {
            if (!s.booleanValue()) {
                out.add(at + ": schema false");
            }
            return;
        }
        if (s.path("nullable").asBoolean(false) && v.isNull()) {
            return;
        }
        if (s.has("$ref")) {
            String p = s.get("$ref").stringValue();
            check(p.equals("#") ? root : root.at(p.substring(1)), v, at, out);
            return;
        }
        if (s.has("const") && !s.get("const").equals(v)) {
            out.add(at + ": not the const");
        }
        if (s.has("enum") && s.get("enum").values().stream().noneMatch(v::equals)) {
            out.add(at + ": not in the enum");
        }
        for (String list : List.of("anyOf", "oneOf")) {
            if (s.has(list) && s.get(list).values().stream().noneMatch(alt -> ok(alt, v))) {
                out.add(at + ": matches no " + list + " alternative");
            }
        }
        if (s.has("allOf")) {
            s.get("allOf").values().forEach(alt -> check(alt, v, at, out));
        }
        if (s.has("type")) {
            JsonNode t = s.get("type");
            List<JsonNode> types = t.isArray() ? List.copyOf(t.values()) : List.of(t);
            if (types.stream().noneMatch(type -> hasType(v, type.stringValue()))) {
                out.add(at + ": not of type " + t);
                return;
            }
        }
        if (v.isString()) {
            int length = v.stringValue().codePointCount(0, v.stringValue().length());
            if (s.has("minLength") && length < s.get("minLength").intValue()) {
                out.add(at + ": shorter than minLength");
            }
            if (s.has("maxLength") && length > s.get("maxLength").intValue()) {
                out.add(at + ": longer than maxLength");
            }
        }
        if (v.isObject()) {
            JsonNode props = s.path("properties");
            for (JsonNode r : s.path("required").values()) {
                if (!v.has(r.stringValue())) {
                    out.add(at + ": missing required " + r.stringValue());
                }
            }
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                if (props.has(e.getKey())) {
                    check(props.get(e.getKey()), e.getValue(), at + "." + e.getKey(), out);
                } else if (s.has("additionalProperties")) {
                    check(s.get("additionalProperties"), e.getValue(), at + "." + e.getKey(), out);
                }
            }
        }
        if (v.isArray()) {
            if (s.has("minItems") && v.size() < s.get("minItems").intValue()) {
                out.add(at + ": fewer than minItems");
            }
            if (s.has("maxItems") && v.size() > s.get("maxItems").intValue()) {
                out.add(at + ": more than maxItems");
            }
            if (s.has("items")) {
                for (int i = 0; i < v.size(); i++) {
                    check(s.get("items"), v.get(i), at + "[" + i + "]", out);
                }
            }
        }
    }

    private boolean ok(JsonNode s, JsonNode v) {
        List<String> out = new ArrayList<>();
        check(s, v, "$", out);
        return out.isEmpty();
    }

    private static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isString();
            case "number" -> v.isNumber();
            case "integer" -> v.isIntegralNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            default -> throw new IllegalArgumentException(type);
        };
    }
}
