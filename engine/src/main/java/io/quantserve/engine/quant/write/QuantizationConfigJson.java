package io.quantserve.engine.quant.write;

import java.util.List;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code quantization_config} object of config.json for each written format, with the fields transformers, vLLM
 * and the engine's {@link io.quantserve.engine.linear.QuantizationConfigs} read (and the informational ones the
 * reference tools write beside them).
 */
public final class QuantizationConfigJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private QuantizationConfigJson() {
    }

    /**
     * AutoAWQ gemm, as transformers' AwqConfig serializes it.
     *
     * @param groupSize input channels per group, -1 for per channel
     * @param modulesToNotConvert layer-name fragments left in float (vLLM and the engine match them as substrings)
     */
    public static ObjectNode awq(int groupSize, List<String> modulesToNotConvert) {
        ObjectNode q = JSON.createObjectNode();
        q.put("quant_method", "awq");
        q.put("bits", 4);
        q.put("group_size", groupSize);
        q.put("zero_point", true);
        q.put("version", "gemm");
        strings(q.putArray("modules_to_not_convert"), modulesToNotConvert);
        return q;
    }

    /**
     * GPTQ (AutoGPTQ v1 checkpoints), as transformers/optimum's GPTQConfig writes it.
     *
     * @param groupSize     input channels per group, -1 for per channel
     * @param descAct       act-order: the g_idx of the checkpoint is a permutation
     * @param dampPercent   Hessian dampening used (informational)
     * @param trueSequential whether layers of a block were quantized in order (informational)
     */
    public static ObjectNode gptq(int bits, int groupSize, boolean descAct, boolean sym, double dampPercent,
            boolean trueSequential) {
        return gptq(bits, groupSize, descAct, sym, dampPercent, trueSequential, false);
    }

    /** With {@code v2}: checkpoint_format "gptq_v2" (zeros stored without the v1 minus one). */
    public static ObjectNode gptq(int bits, int groupSize, boolean descAct, boolean sym, double dampPercent,
            boolean trueSequential, boolean v2) {
        ObjectNode q = JSON.createObjectNode();
        q.put("quant_method", "gptq");
        q.put("bits", bits);
        q.put("group_size", groupSize);
        q.put("desc_act", descAct);
        q.put("sym", sym);
        q.put("static_groups", false);
        q.put("checkpoint_format", v2 ? "gptq_v2" : "gptq");
        q.put("damp_percent", dampPercent);
        q.put("true_sequential", trueSequential);
        q.put("lm_head", false);
        return q;
    }

    /**
     * bitsandbytes 4-bit NF4 with double quantization, as transformers' BitsAndBytesConfig.to_dict writes it.
     *
     * @param computeDtype torch name ("bfloat16", "float16", "float32")
     * @param skipModules  modules left in float (lm_head is never quantized by transformers anyway)
     */
    public static ObjectNode bnbNf4(String computeDtype, List<String> skipModules) {
        ObjectNode q = JSON.createObjectNode();
        q.put("quant_method", "bitsandbytes");
        q.put("_load_in_4bit", true);
        q.put("_load_in_8bit", false);
        q.put("load_in_4bit", true);
        q.put("load_in_8bit", false);
        q.put("bnb_4bit_quant_type", "nf4");
        q.put("bnb_4bit_use_double_quant", true);
        q.put("bnb_4bit_compute_dtype", computeDtype);
        q.put("bnb_4bit_quant_storage", "uint8");
        q.put("llm_int8_enable_fp32_cpu_offload", false);
        q.put("llm_int8_has_fp16_weight", false);
        q.put("llm_int8_threshold", 6.0);
        strings(q.putArray("llm_int8_skip_modules"), skipModules);
        return q;
    }

    /**
     * compressed-tensors W8A8-int8 as llm-compressor saves it: int8 symmetric per-channel static weights, int8
     * symmetric per-token dynamic input activations, targets Linear, format int-quantized, status compressed.
     *
     * @param ignore layers left in float (exact names or "re:" regexes), usually ["lm_head"]
     */
    public static ObjectNode w8a8(List<String> ignore) {
        ObjectNode q = JSON.createObjectNode();
        q.put("quant_method", "compressed-tensors");
        q.put("format", "int-quantized");
        q.put("quantization_status", "compressed");
        ObjectNode group = q.putObject("config_groups").putObject("group_0");
        group.putArray("targets").add("Linear");
        ObjectNode weights = group.putObject("weights");
        weights.put("num_bits", 8);
        weights.put("type", "int");
        weights.put("symmetric", true);
        weights.put("strategy", "channel");
        weights.put("dynamic", false);
        weights.putNull("group_size");
        weights.putNull("actorder");
        weights.put("observer", "minmax");
        ObjectNode input = group.putObject("input_activations");
        input.put("num_bits", 8);
        input.put("type", "int");
        input.put("symmetric", true);
        input.put("strategy", "token");
        input.put("dynamic", true);
        input.putNull("group_size");
        input.putNull("observer");
        group.putNull("output_activations");
        strings(q.putArray("ignore"), ignore);
        q.putNull("kv_cache_scheme");
        q.putNull("sparsity_config");
        return q;
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
