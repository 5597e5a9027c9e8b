package io.quantserve.engine.linear;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * AutoAWQ "gemm" checkpoints (as vLLM and transformers read them), per linear layer:
 * <ul>
 *   <li>{@code qweight} int32 [in, out / 8], packed along the OUTPUT: nibble n of word w holds output column
 *   8w + ORDER[n], ORDER = [0, 2, 4, 6, 1, 3, 5, 7] (AutoAWQ's order_map; column j sits in nibble [0,4,1,5,2,6,3,7][j]);</li>
 *   <li>{@code qzeros} int32 [in / group_size, out / 8], the same packing, zeros stored as they are;</li>
 *   <li>{@code scales} fp16 [in / group_size, out]; optional {@code bias}.</li>
 * </ul>
 * w[o][k] = (q - zero) * scale of group k / group_size. Repacked into {@link GroupIntLinear} at load. Layers named in
 * modules_to_not_convert (matched as substrings of the layer name, as vLLM does) and lm_head are plain float.
 *
 * @param groupSize input channels per group, or -1 for one group per output channel
 * @param modulesToNotConvert name fragments of layers stored unquantized
 */
public record AwqConfig(int groupSize, List<String> modulesToNotConvert) implements QuantizationConfig, LinearMethod {
    static final int BITS = 4;
    private static final int[] ORDER = {0, 2, 4, 6, 1, 3, 5, 7};

    public AwqConfig {
        modulesToNotConvert = List.copyOf(modulesToNotConvert);
    }

    public static AwqConfig from(JsonNode section) {
        // AutoAWQ's own quant_config.json names them w_bit and q_group_size
        int bits = ConfigFields.integer(section, alias(section, "bits", "w_bit"), null);
        if (bits != BITS) {
            throw new IllegalArgumentException("bits " + bits + " is not supported (AWQ gemm is 4-bit)");
        }
        int groupSize = ConfigFields.groupSize(section, alias(section, "group_size", "q_group_size"));
        if (!ConfigFields.bool(section, "zero_point", true)) {
            throw new IllegalArgumentException("zero_point false is not supported (AWQ gemm stores qzeros)");
        }
        String version = ConfigFields.string(section, "version", "gemm").toLowerCase(Locale.ROOT);
        if (!version.equals("gemm")) {
            throw new IllegalArgumentException("version '" + version + "' is not supported (only gemm)");
        }
        List<String> skip = new ArrayList<>();
        JsonNode modules = section.get("modules_to_not_convert");
        if (modules != null && !modules.isNull()) {
            if (!modules.isArray()) {
                throw new IllegalArgumentException("field 'modules_to_not_convert' must be a list, is " + modules);
            }
            modules.forEach(m -> skip.add(m.asString()));
        }
        return new AwqConfig(groupSize, skip);
    }

    /** The field's Hugging Face name, or AutoAWQ's own when only that one is present. */
    private static String alias(JsonNode section, String name, String autoAwqName) {
        return !section.has(name) && section.has(autoAwqName) ? autoAwqName : name;
    }

    @Override
    public String name() {
        return "awq";
    }

    @Override
    public LinearMethod linearMethod(String prefix) {
        if (prefix.equals("lm_head") || modulesToNotConvert.stream().anyMatch(prefix::contains)) {
            return Unquantized.INSTANCE;
        }
        return this;
    }

    @Override
    public Linear load(TensorSource source, String prefix, int in, int out) {
        QuantTensors.requireWhole(prefix, "out_features", out, BITS, "qweight");
        int width = QuantTensors.groupWidth(prefix, groupSize, in);
        int groups = in / width;
        int words = out / 8;
        Tensor qweight = QuantTensors.ints(source, prefix, "qweight", in, words);
        Tensor qzeros = QuantTensors.ints(source, prefix, "qzeros", groups, words);
        float[] scales = QuantTensors.floats(source, prefix, "scales", groups, out);
        int[] groupOf = new int[in];
        for (int k = 0; k < in; k++) {
            groupOf[k] = k / width;
        }
        GroupIntLinear.Builder b = GroupIntLinear.builder(prefix, out, in, BITS, groups, groupOf,
                QuantTensors.bias(source, prefix, out));
        for (int g = 0; g < groups; g++) {
            for (int w = 0; w < words; w++) {
                int word = QuantTensors.at(qzeros, (long) g * words + w);
                for (int n = 0; n < 8; n++) {
                    int o = 8 * w + ORDER[n];
                    b.group(o, g, scales[g * out + o], (word >>> (4 * n)) & 15);
                }
            }
        }
        for (int k = 0; k < in; k++) {
            for (int w = 0; w < words; w++) {
                int word = QuantTensors.at(qweight, (long) k * words + w);
                for (int n = 0; n < 8; n++) {
                    b.quant(8 * w + ORDER[n], k, (word >>> (4 * n)) & 15);
                }
            }
        }
        return b.build();
    }
}
