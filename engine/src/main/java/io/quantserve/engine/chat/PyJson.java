package io.quantserve.engine.chat;

import java.util.Map;

/**
 * {@code json.dumps} as HF's {@code tojson} filter calls it ({@code ensure_ascii=False}, Python's
 * default separators {@code ", "} / {@code ": "}, optional indent). Tool schemas are rendered into
 * prompts with it, so the spacing must match what the model was trained on.
 */
final class PyJson {

    private PyJson() {}

    static String dumps(Object value, Integer indent) {
        var out = new StringBuilder();
        write(out, value, indent, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object v, Integer indent, int depth) {
        switch (v) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d -> out.append(pyFloat(d));
            case Float f -> out.append(pyFloat(f.doubleValue()));
            case Number n -> out.append(n);
            case CharSequence s -> quote(out, s.toString());
            case Map<?, ?> m -> container(out, m.entrySet(), '{', '}', indent, depth, true);
            case Iterable<?> it -> container(out, it, '[', ']', indent, depth, false);
            case Object[] arr -> container(out, java.util.Arrays.asList(arr), '[', ']', indent, depth, false);
            default -> quote(out, v.toString());
        }
    }

    private static void container(StringBuilder out, Iterable<?> items, char open, char close,
                                  Integer indent, int depth, boolean isMap) {
        out.append(open);
        boolean first = true;
        for (Object item : items) {
            // Python: with indent the item separator is "," + newline, without it ", ".
            out.append(first ? "" : (indent == null ? ", " : ","));
            if (indent != null) {
                out.append('\n').append(" ".repeat(indent * (depth + 1)));
            }
            if (isMap) {
                var e = (Map.Entry<?, ?>) item;
                quote(out, String.valueOf(e.getKey()));
                out.append(": ");
                write(out, e.getValue(), indent, depth + 1);
            } else {
                write(out, item, indent, depth + 1);
            }
            first = false;
        }
        if (!first && indent != null) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
        out.append(close);
    }

    private static String pyFloat(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        return Double.toString(d); // matches Python repr for ordinary values (1.0, 0.5)
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
