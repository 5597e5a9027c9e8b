package io.quantserve.engine.linear;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.quant.QuantizedWeight;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * GPTQ checkpoints as written by AutoGPTQ and GPTQModel, per linear layer:
 * <ul>
 *   <li>{@code qweight} int32 [in * bits / 32, out], packed along the input: input k is in word k / (32 / bits) at
 *   bit (k % (32 / bits)) * bits;</li>
 *   <li>{@code qzeros} int32 [groups, out * bits / 32], packed the same way along the output; checkpoint format
 *   "gptq" (v1, the default) stores zero - 1, "gptq_v2" the zero itself;</li>
 *   <li>{@code scales} fp16 [groups, out]; {@code g_idx} int32 [in], the group of each input channel (with
 *   desc_act, a permutation of the k / group_size pattern); optional {@code bias}.</li>
 * </ul>
 * w[o][k] = (q - zero) * scale of group g_idx[k]. Repacked into {@link GroupIntLinear} at load. A v1 zero is read as
 * stored + 1 without masking, as AutoGPTQ and exllama read it. The lm_head is quantized only when the config says
 * {@code lm_head: true}.
 *
 * @param bits 2, 4 or 8
 * @param groupSize input channels per group, or -1 for one group per output channel
 * @param descAct act-order: groups follow g_idx rather than k / group_size
 * @param sym symmetric quantization (zero 2^(bits-1)); informational, the stored zeros are used either way
 * @param v2 checkpoint_format gptq_v2 (zeros stored without the -1)
 * @param lmHead whether lm_head is quantized too
 */
public record GptqConfig(int bits, int groupSize, boolean descAct, boolean sym, boolean v2, boolean lmHead)
        implements QuantizationConfig, LinearMethod {

    public GptqConfig {
        GroupIntLinear.checkBits("gptq", bits);
    }

    /** From {@code quantization_config} (quant_method "gptq") or AutoGPTQ's quantize_config.json. */
    public static GptqConfig from(JsonNode section) {
        int bits = ConfigFields.integer(section, "bits", null);
        int groupSize = ConfigFields.groupSize(section, "group_size");
        boolean descAct = ConfigFields.bool(section, "desc_act", false);
        boolean sym = ConfigFields.bool(section, "sym", true);
        String format = ConfigFields.string(section, "checkpoint_format", "gptq").toLowerCase(Locale.ROOT);
        boolean v2 = switch (format) {
            case "gptq" -> false;
            case "gptq_v2" -> true;
            default -> throw new IllegalArgumentException("checkpoint_format '" + format
                    + "' is not supported (gptq or gptq_v2)");
        };
        if (bits != 2 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException("bits " + bits + " is not supported (2, 4 or 8)");
        }
        return new GptqConfig(bits, groupSize, descAct, sym, v2, ConfigFields.bool(section, "lm_head", false));
    }

    @Override
    public String name() {
        return "gptq";
    }

    @Override
    public LinearMethod linearMethod(String prefix) {
        return prefix.equals("lm_head") && !lmHead ? Unquantized.INSTANCE : this;
    }

    @Override
    public Linear load(TensorSource source, String prefix, int in, int out) {
        Stored l = stored(source, prefix, in, out);
        GroupIntLinear.Builder b = GroupIntLinear.builder(prefix, out, in, bits, l.groups(), l.groupOf(),
                QuantTensors.bias(source, prefix, out));
        for (int g = 0; g < l.groups(); g++) {
            for (int o = 0; o < out; o++) {
                b.group(o, g, l.scales()[g * out + o], l.zero(g, o));
            }
        }
        l.forEachCode((o, k, q) -> b.quant(o, k, q));
        return b.build();
    }

    /**
     * The layer's codes, zero points, scales and g_idx as the checkpoint holds them (v1 zeros read as stored + 1),
     * for a backend that repacks them in a layout of its own (the GPU runs GPTQ in AWQ's). The bias is not included.
     */
    public QuantizedWeight read(TensorSource source, String prefix, int in, int out) {
        Stored l = stored(source, prefix, in, out);
        int groups = l.groups();
        int[] q = new int[out * in];
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        l.forEachCode((o, k, code) -> q[o * in + k] = code);
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < groups; g++) {
                scales[o * groups + g] = l.scales()[g * out + o];
                zeros[o * groups + g] = l.zero(g, o);
            }
        }
        return new QuantizedWeight(bits, in / groups, out, in, q, scales, zeros, l.groupOf(), sym);
    }

    /** A layer's tensors, shape-checked; codes and zeros unpacked on request. */
    private record Stored(int bits, boolean v2, int out, Tensor qweight, Tensor qzeros, float[] scales, int[] groupOf,
            int groups) {
        interface CodeSink {
            void accept(int o, int k, int q);
        }

        /** Every code, word by word as stored (row-major [in / (32 / bits), out]). */
        void forEachCode(CodeSink sink) {
            int perInt = 32 / bits;
            int mask = (1 << bits) - 1;
            for (int row = 0, rows = qweight.dim(0); row < rows; row++) {
                for (int o = 0; o < out; o++) {
                    int word = QuantTensors.at(qweight, (long) row * out + o);
                    for (int j = 0; j < perInt; j++) {
                        sink.accept(o, row * perInt + j, (word >>> (j * bits)) & mask);
                    }
                }
            }
        }

        int zero(int g, int o) {
            int perInt = 32 / bits;
            int zero = (QuantTensors.at(qzeros, (long) g * (out / perInt) + o / perInt) >>> (o % perInt * bits))
                    & ((1 << bits) - 1);
            return v2 ? zero : zero + 1;
        }
    }

    private Stored stored(TensorSource source, String prefix, int in, int out) {
        int perInt = 32 / bits;
        QuantTensors.requireWhole(prefix, "in_features", in, bits, "qweight");
        QuantTensors.requireWhole(prefix, "out_features", out, bits, "qzeros");
        int width = QuantTensors.groupWidth(prefix, groupSize, in);
        int groups = in / width;
        Tensor qweight = QuantTensors.ints(source, prefix, "qweight", in / perInt, out);
        Tensor qzeros = QuantTensors.ints(source, prefix, "qzeros", groups, out / perInt);
        float[] scales = QuantTensors.floats(source, prefix, "scales", groups, out);
        return new Stored(bits, v2, out, qweight, qzeros, scales, groupIndex(source, prefix, in, width, groups), groups);
    }

    /** g_idx when stored (it must be, with desc_act), else k / group width. */
    private int[] groupIndex(TensorSource source, String prefix, int in, int width, int groups) {
        var stored = source.find(prefix + ".g_idx");
        int[] groupOf = new int[in];
        if (stored.isEmpty()) {
            if (descAct) {
                throw new IllegalArgumentException(prefix + ": desc_act is true but g_idx is missing");
            }
            for (int k = 0; k < in; k++) {
                groupOf[k] = k / width;
            }
            return groupOf;
        }
        Tensor gIdx = QuantTensors.ints(source, prefix, "g_idx", in);
        for (int k = 0; k < in; k++) {
            groupOf[k] = QuantTensors.at(gIdx, k);
            if (groupOf[k] < 0 || groupOf[k] >= groups) {
                throw new IllegalArgumentException(prefix + ": g_idx[" + k + "] = " + groupOf[k] + " is outside [0, "
                        + groups + ")");
            }
        }
        return groupOf;
    }
}
