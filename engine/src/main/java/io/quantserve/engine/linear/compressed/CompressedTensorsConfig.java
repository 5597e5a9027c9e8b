package io.quantserve.engine.linear.compressed;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.linear.LinearMethod;
import io.quantserve.engine.linear.QuantizationConfig;
import io.quantserve.engine.linear.Unquantized;
import io.quantserve.engine.tensor.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * compressed-tensors checkpoints (llm-compressor) with the W8A8-int8 scheme vLLM runs as CompressedTensorsW8A8Int8
 * with dynamic per-token activations: format int-quantized, weights {num_bits 8, type int, symmetric, strategy
 * channel or tensor}, input_activations {num_bits 8, type int, symmetric, dynamic, strategy token}. Each layer stores
 * {@code prefix.weight} (I8 [out, in]) and {@code prefix.weight_scale} ([out, 1], or one value for strategy tensor).
 * Any other scheme is refused by name. Layer matching follows vLLM: {@code ignore} entries and group targets are
 * exact layer names or {@code re:} regexes, and a target may also name the module class ("Linear").
 */
public final class CompressedTensorsConfig implements QuantizationConfig {
    private static final List<String> INT_FORMATS = List.of("int-quantized", "naive-quantized");

    private record Group(String name, List<String> targets) {
    }

    private final List<String> ignore;
    private final List<Group> groups;
    private final LinearMethod w8a8 = CompressedTensorsConfig::loadW8A8;

    private CompressedTensorsConfig(List<String> ignore, List<Group> groups) {
        this.ignore = List.copyOf(ignore);
        this.groups = List.copyOf(groups);
    }

    public static CompressedTensorsConfig from(JsonNode section) {
        String format = section.hasNonNull("format") ? section.get("format").asString() : null;
        JsonNode configGroups = section.get("config_groups");
        if (configGroups == null || !configGroups.isObject() || configGroups.isEmpty()) {
            throw new IllegalArgumentException("compressed-tensors: config_groups is missing or empty");
        }
        if (section.hasNonNull("sparsity_config") && !section.get("sparsity_config").isEmpty()) {
            throw new IllegalArgumentException("compressed-tensors: sparsity_config (sparse checkpoints) is not supported");
        }
        List<Group> groups = new ArrayList<>();
        for (var entry : configGroups.properties()) {
            String name = entry.getKey();
            JsonNode group = entry.getValue();
            String groupFormat = group.hasNonNull("format") ? group.get("format").asString() : format;
            checkW8A8(name, groupFormat, group.get("weights"), group.get("input_activations"));
            JsonNode targets = group.get("targets");
            if (targets == null || !targets.isArray() || targets.isEmpty()) {
                throw new IllegalArgumentException("compressed-tensors: " + name + ".targets is missing or empty");
            }
            List<String> list = new ArrayList<>();
            targets.forEach(t -> list.add(t.asString()));
            groups.add(new Group(name, list));
        }
        List<String> ignore = new ArrayList<>();
        JsonNode ig = section.get("ignore");
        if (ig != null && ig.isArray()) {
            ig.forEach(t -> ignore.add(t.asString()));
        }
        return new CompressedTensorsConfig(ignore, groups);
    }

    /** Accepts only W8A8-int8 with dynamic per-token activations, otherwise names the scheme it found. */
    private static void checkW8A8(String group, String format, JsonNode weights, JsonNode input) {
        String scheme = describe(weights, input);
        if (weights == null || weights.isNull()) {
            throw new IllegalArgumentException("compressed-tensors: " + group + " has no weights section");
        }
        boolean weightsOk = num(weights, "num_bits") == 8 && "int".equals(str(weights, "type"))
                && bool(weights, "symmetric", true) && !bool(weights, "dynamic", false)
                && ("channel".equals(str(weights, "strategy")) || "tensor".equals(str(weights, "strategy")));
        boolean inputOk = input != null && !input.isNull() && num(input, "num_bits") == 8
                && "int".equals(str(input, "type")) && bool(input, "symmetric", true) && bool(input, "dynamic", false)
                && "token".equals(str(input, "strategy"));
        if (!weightsOk || !inputOk) {
            throw new IllegalArgumentException("compressed-tensors: " + group + " uses scheme " + scheme
                    + ", not supported (only W8A8-int8: int8 symmetric channel/tensor weights, dynamic symmetric"
                    + " per-token int8 activations)");
        }
        if (format != null && !INT_FORMATS.contains(format)) {
            throw new IllegalArgumentException("compressed-tensors: " + group + " has format '" + format
                    + "' (scheme " + scheme + "), expected int-quantized");
        }
    }

    /** E.g. "W4A16 int weights group (group_size 128)" or "W8A8 float weights channel, activations dynamic token". */
    private static String describe(JsonNode weights, JsonNode input) {
        boolean hasInput = input != null && !input.isNull();
        String w = weights == null || weights.isNull() ? "?" : String.valueOf(num(weights, "num_bits"));
        String a = hasInput ? String.valueOf(num(input, "num_bits")) : "16";
        StringBuilder sb = new StringBuilder("W" + w + "A" + a);
        if (weights != null && !weights.isNull()) {
            sb.append(' ').append(str(weights, "type")).append(" weights ").append(str(weights, "strategy"));
            if (weights.hasNonNull("group_size")) {
                sb.append(" (group_size ").append(weights.get("group_size").asInt()).append(')');
            }
            if (!bool(weights, "symmetric", true)) {
                sb.append(" asymmetric");
            }
        }
        if (hasInput) {
            sb.append(", ").append(str(input, "type")).append(" activations ")
                    .append(bool(input, "dynamic", false) ? "dynamic " : "static ").append(str(input, "strategy"));
            if (!bool(input, "symmetric", true)) {
                sb.append(" asymmetric");
            }
        }
        return sb.toString();
    }

    private static int num(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asInt() : -1;
    }

    private static String str(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asString().toLowerCase(Locale.ROOT) : "?";
    }

    private static boolean bool(JsonNode n, String field, boolean fallback) {
        return n.hasNonNull(field) ? n.get(field).asBoolean() : fallback;
    }

    @Override
    public String name() {
        return "compressed-tensors-w8a8-int8";
    }

    @Override
    public LinearMethod linearMethod(String prefix) {
        for (String i : ignore) {
            if (matches(prefix, i, false)) {
                return Unquantized.INSTANCE;
            }
        }
        for (Group g : groups) {
            for (String t : g.targets) {
                if (matches(prefix, t, true)) {
                    return w8a8;
                }
            }
        }
        return Unquantized.INSTANCE; // targeted by no group: stored in float
    }

    /** vLLM's rule: equal, or a "re:" regex matched at the start; targets may also be contained in "Linear". */
    private static boolean matches(String layer, String target, boolean moduleClass) {
        if (target.startsWith("re:")) {
            return Pattern.compile(target.substring(3)).matcher(layer).lookingAt();
        }
        return target.equals(layer) || (moduleClass && "linear".contains(target.toLowerCase(Locale.ROOT)));
    }

    /** Loads one W8A8 layer; errors name the layer and tensor. */
    private static Linear loadW8A8(TensorSource source, String prefix, int in, int out) {
        Tensor weight = source.tensor(prefix + ".weight");
        if (weight.dtype() != DType.I8) {
            throw new IllegalArgumentException(prefix + ".weight: W8A8 weight must be I8, is " + weight.dtype());
        }
        weight.requireShape(out, in);
        Tensor scale = source.tensor(prefix + ".weight_scale");
        float[] s = scale.toFloatArray();
        float[] perRow;
        if (s.length == out && (scale.rank() == 1 || Arrays.equals(scale.shape(), new long[] {out, 1}))) {
            perRow = s;
        } else if (s.length == 1) { // strategy tensor: one scale for the whole matrix
            perRow = new float[out];
            Arrays.fill(perRow, s[0]);
        } else {
            throw new IllegalArgumentException(prefix + ".weight_scale has shape " + Arrays.toString(scale.shape())
                    + ", expected [" + out + ", 1] (per channel) or [1] (per tensor)");
        }
        source.find(prefix + ".weight_zero_point").ifPresent(zp -> {
            for (float z : zp.dtype() == DType.I8 ? bytesAsFloats(zp) : zp.toFloatArray()) {
                if (z != 0) {
                    throw new IllegalArgumentException(prefix + ".weight_zero_point is not zero: asymmetric"
                            + " weights are not supported");
                }
            }
        });
        float[] bias = source.find(prefix + ".bias").map(b -> b.requireShape(out).toFloatArray()).orElse(null);
        return new W8A8Linear(in, out, weight.data(), perRow, bias);
    }

    private static float[] bytesAsFloats(Tensor t) {
        byte[] b = t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            f[i] = b[i];
        }
        return f;
    }
}
