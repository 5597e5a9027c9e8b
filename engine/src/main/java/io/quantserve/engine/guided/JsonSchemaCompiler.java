package io.quantserve.engine.guided;

import io.quantserve.engine.guided.ValueSpec.AnyOf;
import io.quantserve.engine.guided.ValueSpec.ArraySpec;
import io.quantserve.engine.guided.ValueSpec.Literal;
import io.quantserve.engine.guided.ValueSpec.NumberSpec;
import io.quantserve.engine.guided.ValueSpec.ObjectSpec;
import io.quantserve.engine.guided.ValueSpec.Property;
import io.quantserve.engine.guided.ValueSpec.Ref;
import io.quantserve.engine.guided.ValueSpec.StringSpec;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * JSON schema → {@link ValueSpec}: the subset that OpenAI strict mode accepts and users send. Supported: type (one or
 * a list), enum, const, anyOf, oneOf (as anyOf), allOf of one schema, nullable, local $ref ("#", "#/$defs/..",
 * "#/definitions/..", recursion included); string minLength/maxLength, pattern (found anywhere in the string, as
 * JSON schema reads it; {@link PythonRegex#parseSearch}) and format ({@link StringFormats}); object properties/
 * required/additionalProperties; array items/minItems/maxItems; annotations (title, description, default, ...) are
 * ignored; number minimum/maximum/exclusiveMinimum/exclusiveMaximum and multipleOf ({@link NumberRanges}). Anything
 * else
 * (uniqueItems, an unknown format, ...) is refused with an error naming the keyword and where it is, rather than
 * generating output the schema would reject.
 */
final class JsonSchemaCompiler {
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment",
            "default", "examples", "deprecated", "readOnly", "writeOnly", "$defs", "definitions");
    private static final Set<String> STRING_KEYWORDS = Set.of("minLength", "maxLength", "pattern", "format");
    /**
     * OpenAPI's formats of numbers (tool schemas often come from OpenAPI documents): the integer ones bound the value
     * to their width; float and double say nothing JSON text can show.
     */
    private static final Map<String, BigDecimal[]> NUMBER_FORMATS = Map.of(
            "int32", new BigDecimal[] {BigDecimal.valueOf(Integer.MIN_VALUE), BigDecimal.valueOf(Integer.MAX_VALUE)},
            "int64", new BigDecimal[] {BigDecimal.valueOf(Long.MIN_VALUE), BigDecimal.valueOf(Long.MAX_VALUE)},
            "float", new BigDecimal[0], "double", new BigDecimal[0]);
    private static final Set<String> NUMBER_KEYWORDS = Set.of("minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "multipleOf");
    private static final Set<String> OBJECT_KEYWORDS = Set.of("properties", "required", "additionalProperties");
    private static final Set<String> ARRAY_KEYWORDS = Set.of("items", "minItems", "maxItems");
    private static final List<String> COMBINATORS = List.of("$ref", "const", "enum", "anyOf", "oneOf", "allOf");
    private static final Set<String> GENERAL = Set.of("type", "nullable", "$ref", "const", "enum", "anyOf", "oneOf",
            "allOf");
    private static final List<String> TYPES = List.of("object", "array", "string", "number", "integer", "boolean",
            "null");

    private final JsonNode root;
    private final Map<String, Ref> refs = new HashMap<>();

    private JsonSchemaCompiler(JsonNode root) {
        this.root = root;
    }

    static ValueSpec compile(JsonNode schema) {
        if (schema == null || schema.isNull() || schema.isMissingNode()) {
            throw new IllegalArgumentException("a JSON schema is required");
        }
        JsonSchemaCompiler compiler = new JsonSchemaCompiler(schema);
        ValueSpec spec = compiler.spec(schema, "#");
        compiler.checkRefCycles();
        checkFinite(spec);
        return spec;
    }

    private ValueSpec spec(JsonNode node, String path) {
        if (node.isBoolean()) {
            if (!node.booleanValue()) {
                throw error(path, "the schema false allows no value");
            }
            return ValueSpec.ANY;
        }
        if (!node.isObject()) {
            throw error(path, "a schema must be an object or a boolean");
        }
        for (String keyword : node.propertyNames()) {
            if (!ANNOTATIONS.contains(keyword) && !GENERAL.contains(keyword) && !STRING_KEYWORDS.contains(keyword)
                    && !NUMBER_KEYWORDS.contains(keyword)
                    && !OBJECT_KEYWORDS.contains(keyword) && !ARRAY_KEYWORDS.contains(keyword)) {
                throw new IllegalArgumentException("JSON schema keyword '" + keyword + "' at " + path
                        + " is not supported");
            }
        }
        JsonNode nullable = node.get("nullable");
        if (nullable != null && !nullable.isBoolean()) {
            throw error(path + "/nullable", "must be true or false");
        }
        ValueSpec spec = body(node, path);
        return nullable != null && nullable.booleanValue() ? new AnyOf(List.of(spec, new Literal("null"))) : spec;
    }

    private ValueSpec body(JsonNode node, String path) {
        List<String> combinators = COMBINATORS.stream().filter(node::has).toList();
        if (combinators.size() > 1) {
            throw error(path, "'" + combinators.get(0) + "' together with '" + combinators.get(1)
                    + "' is not supported");
        }
        if (combinators.isEmpty()) {
            return typed(node, path);
        }
        String combinator = combinators.getFirst();
        JsonNode value = node.get(combinator);
        String at = path + "/" + combinator;
        if (combinator.equals("const") || combinator.equals("enum")) {
            return literals(node, combinator, value, path, at);
        }
        // $ref and the schema lists: other constraints beside them would need an intersection of languages
        for (String keyword : node.propertyNames()) {
            if (!ANNOTATIONS.contains(keyword) && !keyword.equals(combinator) && !keyword.equals("nullable")) {
                throw error(path, "'" + combinator + "' together with '" + keyword + "' is not supported");
            }
        }
        if (combinator.equals("$ref")) {
            if (!value.isString()) {
                throw error(at, "must be a string");
            }
            return ref(value.stringValue(), at);
        }
        if (!value.isArray() || value.isEmpty()) {
            throw error(at, "must be a non-empty array of schemas");
        }
        if (combinator.equals("allOf")) {
            if (value.size() > 1) {
                throw error(at, "allOf with more than one schema is not supported");
            }
            return spec(value.get(0), at + "/0");
        }
        List<ValueSpec> alternatives = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            alternatives.add(spec(value.get(i), at + "/" + i));
        }
        return alternatives.size() == 1 ? alternatives.getFirst() : new AnyOf(alternatives);
    }

    private ValueSpec ref(String pointer, String at) {
        Ref ref = refs.get(pointer);
        if (ref != null) {
            return ref;
        }
        if (!pointer.startsWith("#")) {
            throw error(at, "only local references (\"#...\") are supported, got '" + pointer + "'");
        }
        JsonNode target;
        try {
            target = pointer.equals("#") ? root : root.at(pointer.substring(1));
        } catch (IllegalArgumentException e) {
            throw error(at, "'" + pointer + "' is not a valid JSON pointer");
        }
        if (target.isMissingNode()) {
            throw error(at, "'" + pointer + "' points to nothing in the schema");
        }
        ref = new Ref(pointer);
        refs.put(pointer, ref); // before compiling the target, so that it may refer back to itself
        ref.target = spec(target, pointer);
        return ref;
    }

    /**
     * const and enum: their values, less those that the schema's type rules out (they could never validate); other
     * keywords beside them (maxLength, minimum ...) would need each value checked against them, and are refused.
     */
    private ValueSpec literals(JsonNode node, String combinator, JsonNode value, String path, String at) {
        for (String keyword : node.propertyNames()) {
            if (!ANNOTATIONS.contains(keyword) && !keyword.equals(combinator) && !keyword.equals("nullable")
                    && !keyword.equals("type")) {
                throw error(path, "'" + combinator + "' together with '" + keyword + "' is not supported");
            }
        }
        if (combinator.equals("enum") && (!value.isArray() || value.isEmpty())) {
            throw error(at, "must be a non-empty array");
        }
        List<JsonNode> values = combinator.equals("const") ? List.of(value) : List.copyOf(value.values());
        List<String> types = types(node, path);
        List<ValueSpec> literals = new ArrayList<>();
        for (JsonNode v : values) {
            if (types.isEmpty() || types.stream().anyMatch(type -> isOfType(v, type))) {
                literals.add(new Literal(v.toString()));
            }
        }
        if (literals.isEmpty()) {
            throw error(at, "no value is of type " + String.join("/", types));
        }
        return literals.size() == 1 ? literals.getFirst() : new AnyOf(literals);
    }

    private static boolean isOfType(JsonNode v, String type) {
        return switch (type) {
            case "string" -> v.isString();
            case "integer" -> v.isIntegralNumber() || (v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0);
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            default -> false;
        };
    }

    private ValueSpec typed(JsonNode node, String path) {
        List<String> types = types(node, path);
        if (types.isEmpty()) {
            return ValueSpec.ANY;
        }
        for (String keyword : node.propertyNames()) {
            if (NUMBER_KEYWORDS.contains(keyword) && !types.contains("number") && !types.contains("integer")) {
                throw error(path, "'" + keyword + "' does not apply to type " + String.join("/", types));
            }
            if (keyword.equals("format") && NUMBER_FORMATS.containsKey(node.get(keyword).asString(""))
                    && (types.contains("number") || types.contains("integer"))) {
                continue; // OpenAPI's int32, int64, float, double: see range
            }
            String owner = STRING_KEYWORDS.contains(keyword) ? "string"
                    : OBJECT_KEYWORDS.contains(keyword) ? "object"
                    : ARRAY_KEYWORDS.contains(keyword) ? "array" : null;
            if (owner != null && !types.contains(owner)) {
                throw error(path, "'" + keyword + "' does not apply to type " + String.join("/", types));
            }
        }
        List<ValueSpec> specs = new ArrayList<>();
        for (String type : types) {
            specs.add(switch (type) {
                case "object" -> object(node, path);
                case "array" -> array(node, path);
                case "string" -> {
                    int min = count(node, "minLength", 0, path);
                    int max = count(node, "maxLength", ValueSpec.UNBOUNDED, path);
                    if (min > max) {
                        throw error(path, "minLength " + min + " is greater than maxLength " + max);
                    }
                    yield new StringSpec(min, max, pattern(node, min, max, path));
                }
                case "number" -> new NumberSpec(false, range(node, false, path));
                case "integer" -> new NumberSpec(true, range(node, true, path));
                case "boolean" -> new AnyOf(List.of(new Literal("true"), new Literal("false")));
                case "null" -> new Literal("null");
                default -> throw new IllegalStateException(type);
            });
        }
        return specs.size() == 1 ? specs.getFirst() : new AnyOf(specs);
    }

    /** The listed types, or those the keywords imply when there is no "type"; empty: anything. */
    private static List<String> types(JsonNode node, String path) {
        JsonNode type = node.get("type");
        Set<String> types = new LinkedHashSet<>();
        if (type == null) {
            for (String keyword : node.propertyNames()) {
                if (OBJECT_KEYWORDS.contains(keyword)) {
                    types.add("object");
                } else if (ARRAY_KEYWORDS.contains(keyword)) {
                    types.add("array");
                } else if (NUMBER_KEYWORDS.contains(keyword)) {
                    types.add("number");
                } else if (STRING_KEYWORDS.contains(keyword)) {
                    types.add("string");
                }
            }
            return List.copyOf(types);
        }
        List<JsonNode> names = type.isArray() ? List.copyOf(type.values()) : List.of(type);
        for (JsonNode name : names) {
            if (!name.isString() || !TYPES.contains(name.stringValue())) {
                throw error(path + "/type", "unknown type " + name + "; expected one of " + TYPES);
            }
            types.add(name.stringValue());
        }
        if (types.isEmpty()) {
            throw error(path + "/type", "the list of types is empty");
        }
        if (types.contains("number")) {
            types.remove("integer"); // every integer is a number
        }
        return List.copyOf(types);
    }

    private ObjectSpec object(JsonNode node, String path) {
        JsonNode properties = node.get("properties");
        if (properties != null && !properties.isObject()) {
            throw error(path + "/properties", "must be an object");
        }
        Set<String> required = new HashSet<>();
        JsonNode requiredNode = node.get("required");
        if (requiredNode != null) {
            if (!requiredNode.isArray()) {
                throw error(path + "/required", "must be an array of property names");
            }
            for (JsonNode name : requiredNode.values()) {
                if (!name.isString()) {
                    throw error(path + "/required", "must be an array of property names");
                }
                if (properties == null || !properties.has(name.stringValue())) {
                    throw error(path + "/required", "required property '" + name.stringValue()
                            + "' is not declared in properties");
                }
                required.add(name.stringValue());
            }
        }
        JsonNode additional = node.get("additionalProperties");
        ValueSpec additionalSpec = additional == null ? ValueSpec.ANY
                : additional.isBoolean() ? (additional.booleanValue() ? ValueSpec.ANY : null)
                : spec(additional, path + "/additionalProperties");
        if (properties == null || properties.isEmpty()) {
            return new ObjectSpec(List.of(), additionalSpec);
        }
        // declared properties only: output without extra keys satisfies the schema whatever additionalProperties says
        List<Property> list = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : properties.properties()) {
            String name = e.getKey();
            String key = JsonNodeFactory.instance.stringNode(name).toString();
            list.add(new Property(name, new Literal(key), spec(e.getValue(), path + "/properties/" + name),
                    required.contains(name)));
        }
        return new ObjectSpec(list, null);
    }

    private ArraySpec array(JsonNode node, String path) {
        JsonNode items = node.get("items");
        if (items != null && items.isArray()) {
            throw error(path + "/items", "a list of item schemas (tuple validation) is not supported");
        }
        ValueSpec itemSpec = items == null ? ValueSpec.ANY : spec(items, path + "/items");
        int min = count(node, "minItems", 0, path);
        int max = count(node, "maxItems", ValueSpec.UNBOUNDED, path);
        if (min > max) {
            throw error(path, "minItems " + min + " is greater than maxItems " + max);
        }
        return new ArraySpec(itemSpec, min, max);
    }

    /**
     * The language of the string's pattern and format (both when both are given), of strings at least minLength
     * long, so that every state can still reach a long enough string (maxLength: the grammar checks that the fewest
     * characters to acceptance still fit); null when there is neither pattern nor format.
     */
    private static CodePointDfa pattern(JsonNode node, int min, int max, String path) {
        List<Automaton> languages = new ArrayList<>(); // each determinized: Lucene intersects deterministic automata
        JsonNode pattern = node.get("pattern");
        if (pattern != null) {
            if (!pattern.isString()) {
                throw error(path + "/pattern", "must be a regular expression as a string");
            }
            languages.add(language(() -> PythonRegex.parseSearch(pattern.stringValue()), path + "/pattern"));
        }
        JsonNode format = node.get("format");
        if (format != null) {
            if (!format.isString()) {
                throw error(path + "/format", "must be a string");
            }
            languages.add(language(() -> StringFormats.language(format.stringValue()), path + "/format"));
        }
        if (languages.isEmpty()) {
            return null;
        }
        if (min > 0) {
            if (min > PythonRegex.MAX_REPEAT) {
                throw error(path + "/minLength", "over " + PythonRegex.MAX_REPEAT + " together with a pattern or"
                        + " format is not supported");
            }
            languages.add(language(() -> Operations.repeat(CodePointSet.all().automaton(), min), path));
        }
        Automaton language = languages.getFirst();
        for (Automaton other : languages.subList(1, languages.size())) {
            language = Operations.intersection(language, other);
        }
        CodePointDfa dfa;
        try {
            dfa = CodePointDfa.of(language, "the string's language");
        } catch (IllegalArgumentException e) {
            throw error(path, e.getMessage());
        }
        if (dfa.remaining(0) > max) {
            throw error(path, "no string of at most maxLength " + max + " characters matches");
        }
        return dfa;
    }

    /** {@code build}'s automaton determinized; a pattern it cannot read is an error at path. */
    private static Automaton language(Supplier<Automaton> build, String path) {
        try {
            return CodePointDfa.determinize(build.get(), "the string's language");
        } catch (IllegalArgumentException e) {
            throw error(path, e.getMessage());
        }
    }

    /**
     * The interval minimum / maximum / exclusiveMinimum / exclusiveMaximum bound a number to (exclusive ones as numbers,
     * or as draft 4's true/false beside minimum/maximum; the tighter end wins) as an automaton of its texts; null
     * without bounds.
     */
    private static CodePointDfa range(JsonNode node, boolean integer, String path) {
        NumberRanges.Bound lower = bound(node, "minimum", "exclusiveMinimum", true, path);
        NumberRanges.Bound upper = bound(node, "maximum", "exclusiveMaximum", false, path);
        BigDecimal[] width = integer ? NUMBER_FORMATS.get(node.path("format").asString("")) : null;
        if (width != null && width.length == 2) { // int32, int64: the type's range, within the bounds given
            if (lower.value() == null || lower.value().compareTo(width[0]) < 0) {
                lower = new NumberRanges.Bound(width[0], false);
            }
            if (upper.value() == null || upper.value().compareTo(width[1]) > 0) {
                upper = new NumberRanges.Bound(width[1], false);
            }
        }
        JsonNode multiple = node.get("multipleOf");
        if (lower.value() == null && upper.value() == null && multiple == null) {
            return null;
        }
        if (multiple != null && (!multiple.isNumber() || multiple.decimalValue().signum() <= 0)) {
            throw error(path + "/multipleOf", "must be a number greater than 0");
        }
        try {
            return NumberRanges.language(integer, lower, upper, multiple == null ? null : multiple.decimalValue());
        } catch (IllegalArgumentException e) {
            throw error(path, e.getMessage());
        }
    }

    private static NumberRanges.Bound bound(JsonNode node, String inclusive, String exclusive, boolean lower,
                                            String path) {
        JsonNode in = node.get(inclusive);
        JsonNode ex = node.get(exclusive);
        if (in != null && !in.isNumber()) {
            throw error(path + "/" + inclusive, "must be a number, got " + in);
        }
        if (ex != null && !ex.isNumber() && !ex.isBoolean()) {
            throw error(path + "/" + exclusive, "must be a number (or, beside " + inclusive + ", true or false)");
        }
        if (ex != null && ex.isBoolean()) { // draft 4: says whether minimum/maximum itself is excluded
            if (in == null) {
                throw error(path + "/" + exclusive, "true or false needs " + inclusive + " beside it");
            }
            return new NumberRanges.Bound(in.decimalValue(), ex.booleanValue());
        }
        NumberRanges.Bound a = in == null ? NumberRanges.Bound.NONE : new NumberRanges.Bound(in.decimalValue(), false);
        NumberRanges.Bound b = ex == null ? NumberRanges.Bound.NONE : new NumberRanges.Bound(ex.decimalValue(), true);
        if (a.value() == null || b.value() == null) {
            return a.value() == null ? b : a;
        }
        int c = a.value().compareTo(b.value());
        boolean tighterA = lower ? c > 0 : c < 0;
        return tighterA ? a : b; // equal: the exclusive one
    }

    private static int count(JsonNode node, String keyword, int absent, String path) {
        JsonNode value = node.get(keyword);
        if (value == null) {
            return absent;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
            throw error(path + "/" + keyword, "must be a non-negative integer, got " + value);
        }
        return value.intValue();
    }

    /** A $ref that reaches itself through $refs and anyOf alone would never read a byte. */
    private void checkRefCycles() {
        for (Ref ref : refs.values()) {
            if (reachesWithoutInput(ref.target, ref, Collections.newSetFromMap(new IdentityHashMap<>()))) {
                throw error(ref.pointer, "the reference refers back to itself before any value starts");
            }
        }
    }

    private static boolean reachesWithoutInput(ValueSpec spec, Ref goal, Set<ValueSpec> seen) {
        if (spec == goal) {
            return true;
        }
        if (!seen.add(spec)) {
            return false;
        }
        return switch (spec) {
            case Ref r -> reachesWithoutInput(r.target, goal, seen);
            case AnyOf a -> a.alternatives.stream().anyMatch(alt -> reachesWithoutInput(alt, goal, seen));
            default -> false;
        };
    }

    /**
     * Every part must have a finite instance, or generation could enter it and never finish: with recursion, a
     * required property (or minItems) that leads back to its own object has none.
     */
    private static void checkFinite(ValueSpec root) {
        Set<ValueSpec> all = Collections.newSetFromMap(new IdentityHashMap<>());
        collect(root, all);
        Set<ValueSpec> finite = Collections.newSetFromMap(new IdentityHashMap<>());
        boolean changed = true;
        while (changed) {
            changed = false;
            for (ValueSpec s : all) {
                if (!finite.contains(s) && hasFiniteInstance(s, finite)) {
                    finite.add(s);
                    changed = true;
                }
            }
        }
        for (ValueSpec s : all) {
            if (!finite.contains(s)) {
                String where = s instanceof Ref r ? " (" + r.pointer + ")" : "";
                throw new IllegalArgumentException("JSON schema has no finite instance" + where
                        + ": a required property or minItems refers back to its own schema");
            }
        }
    }

    private static boolean hasFiniteInstance(ValueSpec s, Set<ValueSpec> finite) {
        return switch (s) {
            case AnyOf a -> a.alternatives.stream().anyMatch(finite::contains);
            case Ref r -> finite.contains(r.target);
            case ObjectSpec o -> o.properties.stream().allMatch(p -> !p.required() || finite.contains(p.value()));
            case ArraySpec a -> a.minItems == 0 || finite.contains(a.items);
            default -> true;
        };
    }

    private static void collect(ValueSpec s, Set<ValueSpec> all) {
        if (!all.add(s)) {
            return;
        }
        switch (s) {
            case AnyOf a -> a.alternatives.forEach(alt -> collect(alt, all));
            case Ref r -> collect(r.target, all);
            case ObjectSpec o -> {
                o.properties.forEach(p -> collect(p.value(), all));
                if (o.additional != null) {
                    collect(o.additional, all);
                }
            }
            case ArraySpec a -> collect(a.items, all);
            default -> {
            }
        }
    }

    private static IllegalArgumentException error(String path, String message) {
        return new IllegalArgumentException("JSON schema at " + path + ": " + message);
    }
}
