package io.quantserve.engine.guided;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
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
            if (s.has("pattern") && !Pattern.compile(s.get("pattern").stringValue()).matcher(v.stringValue()).find()) {
                out.add(at + ": does not match pattern " + s.get("pattern").stringValue());
            }
            if (s.has("format") && !isFormat(s.get("format").stringValue(), v.stringValue())) {
                out.add(at + ": not a " + s.get("format").stringValue());
            }
        }
        if (v.isNumber() && (s.has("minimum") || s.has("maximum") || s.has("exclusiveMinimum")
                || s.has("exclusiveMaximum"))) {
            BigDecimal x = v.decimalValue();
            checkBound(s, "minimum", "exclusiveMinimum", x, 1, at, out);
            checkBound(s, "maximum", "exclusiveMaximum", x, -1, at, out);
        }
        if (v.isNumber() && s.has("multipleOf") && v.decimalValue().remainder(s.get("multipleOf").decimalValue())
                .signum() != 0) {
            out.add(at + ": not a multiple of " + s.get("multipleOf"));
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

    /** {@code sign} 1: x must be at least the bound (above an exclusive one); -1: at most (below). */
    private static void checkBound(JsonNode s, String in, String ex, BigDecimal x, int sign, String at,
                                   List<String> out) {
        if (s.has(in)) {
            boolean exclusive = s.path(ex).isBoolean() && s.path(ex).booleanValue();
            int c = x.compareTo(s.get(in).decimalValue()) * sign;
            if (c < 0 || (c == 0 && exclusive)) {
                out.add(at + ": outside " + in + " " + s.get(in) + (exclusive ? " (exclusive)" : ""));
            }
        }
        if (s.path(ex).isNumber() && x.compareTo(s.get(ex).decimalValue()) * sign <= 0) {
            out.add(at + ": outside " + ex + " " + s.get(ex));
        }
    }

    /** Checks of the formats by the JDK's own parsers (RFC 3339's lower-case t/z and leap second 60 allowed). */
    private static boolean isFormat(String format, String value) {
        try {
            switch (format) {
                case "date" -> LocalDate.parse(value);
                case "time" -> OffsetTime.parse(javaTime(value));
                case "date-time" -> OffsetDateTime.parse(javaTime(value));
                case "uuid" -> {
                    return value.length() == 36 && UUID.fromString(value).toString().equalsIgnoreCase(value);
                }
                case "ipv4" -> {
                    return value.matches("[0-9.]+") && InetAddress.getByName(value) instanceof Inet4Address a
                            && a.getHostAddress().equals(value);
                }
                case "hostname", "email" -> {
                    String host = format.equals("email") ? value.substring(value.indexOf('@') + 1) : value;
                    if (format.equals("email") && (value.indexOf('@') < 1 || value.indexOf('@') != value.lastIndexOf('@'))) {
                        return false;
                    }
                    return host.length() <= 253 && java.util.Arrays.stream(host.split("\\.", -1)).allMatch(label ->
                            label.matches("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?") && label.length() <= 63);
                }
                case "uri" -> {
                    return new URI(value).isAbsolute();
                }
                default -> throw new IllegalArgumentException("format " + format);
            }
            return true;
        } catch (DateTimeParseException | URISyntaxException | IOException e) {
            return false;
        }
    }

    /**
     * RFC 3339 text as java.time parses it: upper-case T and Z, a leap second as :59, and an offset's hours (00-23 in
     * the RFC, at most 18 in java.time) checked here and then set to 00.
     */
    private static String javaTime(String time) {
        String t = time.toUpperCase(Locale.ROOT).replaceFirst(":60(?=[.Z+-])", ":59");
        java.util.regex.Matcher offset = Pattern.compile("([+-])(\\d\\d)(:\\d\\d)$").matcher(t);
        if (offset.find()) {
            if (Integer.parseInt(offset.group(2)) > 23) {
                throw new DateTimeParseException("offset hours over 23", time, offset.start(2));
            }
            t = t.substring(0, offset.start()) + offset.group(1) + "00" + offset.group(3);
        }
        return t;
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
