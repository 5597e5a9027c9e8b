package io.quantserve.engine.model;

import io.quantserve.engine.format.gguf.GgmlDequantizer;
import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.format.gguf.GgufFile;
import io.quantserve.engine.format.gguf.GgufFormatException;
import io.quantserve.engine.format.gguf.GgufTensor;
import java.util.List;

/**
 * {@link ModelConfig} from the metadata llama.cpp writes ({@code general.architecture}, then keys prefixed by it:
 * {@code llama.embedding_length}, {@code llama.attention.head_count}, ...). Llama 3 rope scaling arrives as the
 * {@code rope_freqs.weight} tensor of per-pair factors, linear scaling as {@code <arch>.rope.scaling.*}.
 */
public final class GgufModelConfig {
    private GgufModelConfig() {
    }

    /** The architecture named by {@code general.architecture}, or an error naming it and the file. */
    public static Architecture architecture(GgufFile f) {
        String name = f.getString("general.architecture");
        return switch (name) {
            case "llama" -> Architecture.LLAMA;
            case "qwen2" -> Architecture.QWEN2;
            case "qwen3" -> Architecture.QWEN3;
            default -> throw new GgufFormatException(f.path(), "general.architecture '" + name
                    + "' is not supported (supported: llama, qwen2, qwen3)");
        };
    }

    /** The GGUF name of an architecture the engine runs. */
    public static String ggufName(Architecture a) {
        return switch (a) {
            case LLAMA, MISTRAL -> "llama";
            case QWEN2 -> "qwen2";
            case QWEN3 -> "qwen3";
        };
    }

    public static ModelConfig from(GgufFile f) {
        Architecture arch = architecture(f);
        String p = f.getString("general.architecture") + ".";
        int hidden = f.getInt(p + "embedding_length");
        int heads = f.getInt(p + "attention.head_count");
        int kvHeads = f.findInt(p + "attention.head_count_kv").orElse(heads);
        int headDim = f.findInt(p + "attention.key_length").orElse(hidden / heads);
        int valueDim = f.findInt(p + "attention.value_length").orElse(headDim);
        if (valueDim != headDim) {
            throw new GgufFormatException(f.path(), p + "attention.value_length " + valueDim + " differs from key_length "
                    + headDim + " (not supported)");
        }
        int rotary = f.findInt(p + "rope.dimension_count").orElse(headDim);
        if (rotary != headDim) {
            throw new GgufFormatException(f.path(), p + "rope.dimension_count " + rotary + " is not the head size "
                    + headDim + " (partial rotary embeddings are not supported)");
        }
        GgufTensor embd = f.tensor("token_embd.weight");
        int vocab = f.findInt(p + "vocab_size").orElseGet(() -> embd.dims().length == 2 ? (int) embd.dims()[1] : -1);
        List<Integer> eos = f.findInt("tokenizer.ggml.eos_token_id").map(List::of).orElse(List.of());
        return new ModelConfig(
                arch,
                hidden,
                f.getInt(p + "feed_forward_length"),
                f.getInt(p + "block_count"),
                heads,
                kvHeads,
                headDim,
                vocab,
                f.getFloat(p + "attention.layer_norm_rms_epsilon"),
                f.contains(p + "rope.freq_base") ? f.getDouble(p + "rope.freq_base") : 10000.0,
                ropeScaling(f, p, headDim),
                f.findInt(p + "context_length").orElse(2048),
                !f.tensors().containsKey("output.weight"),
                arch == Architecture.QWEN2 || f.tensors().containsKey("blk.0.attn_q.bias"),
                0,
                f.findInt("tokenizer.ggml.bos_token_id").orElse(1),
                eos);
    }

    private static RopeScaling ropeScaling(GgufFile f, String p, int headDim) {
        GgufTensor freqs = f.tensors().get("rope_freqs.weight");
        if (freqs != null) {
            if (freqs.type() != GgmlType.F32 || freqs.elementCount() != headDim / 2) {
                throw new GgufFormatException(f.path(), "tensor rope_freqs.weight should be F32 [" + headDim / 2
                        + "], is " + freqs.type() + " " + java.util.Arrays.toString(freqs.dims()));
            }
            float[] v = new float[headDim / 2];
            GgmlDequantizer.dequantize(GgmlType.F32, freqs.data(), 0, v, 0, v.length);
            double[] factors = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                factors[i] = v[i];
            }
            return new RopeScaling.Factors(factors);
        }
        String type = f.findString(p + "rope.scaling.type").orElse("none");
        return switch (type) {
            case "none" -> new RopeScaling.None();
            case "linear" -> new RopeScaling.Linear(f.getDouble(p + "rope.scaling.factor"));
            default -> throw new GgufFormatException(f.path(), p + "rope.scaling.type '" + type
                    + "' is not supported (supported: none, linear, llama3 as rope_freqs.weight)");
        };
    }
}
