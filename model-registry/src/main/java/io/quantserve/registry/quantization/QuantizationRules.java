package io.quantserve.registry.quantization;

import io.quantserve.registry.web.InvalidRequestException.FieldProblem;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a job may ask for, by method (the engine's rules): awq 4 bits; gptq, rtn, hqq 2/3/4/8; nf4 4; smoothquant 8
 * (W8A8); gguf takes its precision from {@code options.gguf_type} (bits, if given, 4 or 8). Group size -1 (per
 * channel) or a power of two of at least 32 that divides the model's hidden size.
 */
final class QuantizationRules {
    static final int DEFAULT_GROUP_SIZE = 128;
    static final Map<String, Set<Integer>> BITS = Map.of(
            "rtn", Set.of(2, 3, 4, 8), "gptq", Set.of(2, 3, 4, 8), "hqq", Set.of(2, 3, 4, 8), "awq", Set.of(4),
            "nf4", Set.of(4), "smoothquant", Set.of(8), "gguf", Set.of(4, 8));
    static final Set<String> GGUF_TYPES = Set.of("f32", "f16", "bf16", "q8_0", "q4_0", "q6_k", "q4_k_m");
    private static final Set<String> BOOLEAN_OPTIONS = Set.of("sym", "desc_act");
    private static final Set<String> INTEGER_OPTIONS = Set.of("samples", "seq_len", "seed");

    private QuantizationRules() {
    }

    /** A request with defaults filled in, or the list of what is wrong with it. */
    record Checked(String method, int bits, int groupSize, Map<String, String> options, List<FieldProblem> problems) {
    }

    static Checked check(String rawMethod, Integer rawBits, Integer rawGroupSize, Map<String, Object> rawOptions) {
        List<FieldProblem> problems = new java.util.ArrayList<>();
        String method = rawMethod == null ? null : rawMethod.trim().toLowerCase(Locale.ROOT);
        Map<String, String> options = options(rawOptions, problems);
        int bits = rawBits == null ? 0 : rawBits;
        if (method == null || method.isEmpty()) {
            problems.add(new FieldProblem("method", "is required: one of " + String.join(", ", sorted(BITS.keySet()))));
        } else if (!BITS.containsKey(method)) {
            problems.add(new FieldProblem("method", "unknown method '" + rawMethod + "': one of "
                    + String.join(", ", sorted(BITS.keySet()))));
        } else {
            bits = rawBits != null ? rawBits : defaultBits(method, options);
            if (!BITS.get(method).contains(bits)) {
                problems.add(new FieldProblem("bits", method + " supports " + sorted(BITS.get(method)) + " bits, not "
                        + bits));
            }
            if (method.equals("gguf") && options.containsKey("gguf_type")
                    && !GGUF_TYPES.contains(options.get("gguf_type"))) {
                problems.add(new FieldProblem("options.gguf_type", "unknown GGUF type '" + options.get("gguf_type")
                        + "': one of " + sorted(GGUF_TYPES)));
            }
        }
        int groupSize = rawGroupSize == null ? DEFAULT_GROUP_SIZE : rawGroupSize;
        if (groupSize != -1 && (groupSize < 32 || Integer.bitCount(groupSize) != 1)) {
            problems.add(new FieldProblem("groupSize", "must be -1 (per channel) or a power of two >= 32, not "
                    + groupSize));
        }
        return new Checked(method, bits, groupSize, options, problems);
    }

    /** The group size must split the hidden size into whole groups (GGUF ignores it). */
    static FieldProblem checkDivides(String method, int groupSize, Integer hiddenSize) {
        if (groupSize > 0 && hiddenSize != null && !"gguf".equals(method) && hiddenSize % groupSize != 0) {
            return new FieldProblem("groupSize", groupSize + " does not divide the model's hidden_size " + hiddenSize
                    + " (use a divisor or -1 for per channel)");
        }
        return null;
    }

    private static int defaultBits(String method, Map<String, String> options) {
        return switch (method) {
            case "smoothquant" -> 8;
            case "gguf" -> options.getOrDefault("gguf_type", "q4_k_m").startsWith("q4") ? 4 : 8;
            default -> 4;
        };
    }

    private static Map<String, String> options(Map<String, Object> raw, List<FieldProblem> problems) {
        Map<String, String> options = new TreeMap<>();
        if (raw == null) {
            return options;
        }
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            String key = e.getKey();
            Object value = e.getValue();
            String field = "options." + key;
            if (!Set.of("sym", "desc_act", "alpha", "gguf_type", "samples", "seq_len", "seed").contains(key)) {
                problems.add(new FieldProblem(field, "unknown option: sym, desc_act, alpha, gguf_type, samples, "
                        + "seq_len, seed"));
                continue;
            }
            if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
                problems.add(new FieldProblem(field, "must be a string, number or boolean"));
                continue;
            }
            String text = value.toString().trim().toLowerCase(Locale.ROOT);
            if (BOOLEAN_OPTIONS.contains(key) && !text.equals("true") && !text.equals("false")) {
                problems.add(new FieldProblem(field, "must be true or false, not '" + value + "'"));
            } else if (INTEGER_OPTIONS.contains(key) && !isPositiveInteger(text, key.equals("seed"))) {
                problems.add(new FieldProblem(field, "must be a " + (key.equals("seed") ? "non-negative" : "positive")
                        + " integer, not '" + value + "'"));
            } else if (key.equals("alpha") && !isFraction(text)) {
                problems.add(new FieldProblem(field, "must be a number from 0 to 1, not '" + value + "'"));
            } else {
                options.put(key, text);
            }
        }
        return options;
    }

    /** Checked options as JSON values again: the booleans and numbers a request gave, not their text. */
    static Map<String, Object> typed(Map<String, String> options) {
        Map<String, Object> typed = new TreeMap<>();
        options.forEach((key, text) -> typed.put(key, BOOLEAN_OPTIONS.contains(key) ? (Object) Boolean.valueOf(text)
                : INTEGER_OPTIONS.contains(key) ? (Object) Long.valueOf(text)
                : key.equals("alpha") ? (Object) Double.valueOf(text) : text));
        return typed;
    }

    private static boolean isPositiveInteger(String text, boolean zeroAllowed) {
        try {
            long v = Long.parseLong(text);
            return zeroAllowed ? v >= 0 : v > 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean isFraction(String text) {
        try {
            double v = Double.parseDouble(text);
            return v >= 0 && v <= 1;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static <T extends Comparable<T>> List<T> sorted(Set<T> set) {
        return set.stream().sorted().toList();
    }
}
