package io.quantserve.engine.model;

import io.quantserve.engine.format.gguf.GgmlQuantizer;
import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.format.gguf.GgufWriter;
import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.linear.gguf.PermutedLinear;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Converts a Hugging Face Llama/Qwen2 folder (float safetensors) to a GGUF file the way llama.cpp's
 * convert_hf_to_gguf.py lays it out: llama.cpp's metadata keys and tensor names, Llama Q/K rows permuted to the
 * interleaved rotary order, 1-D tensors (norms, biases) in F32, matrices in the chosen type. A matrix whose rows are
 * not whole blocks of that type falls back to F16, as the converter does. Llama 3 rope scaling is written as the
 * {@code rope_freqs.weight} tensor of per-pair factors, linear scaling as {@code <arch>.rope.scaling.*}.
 * Tokenizer metadata is not written (the fixture models have no tokenizer): such files run on token ids.
 */
public final class GgufExporter {
    private GgufExporter() {
    }

    /** llama.cpp's {@code general.file_type} (llama_ftype) for a file whose matrices are mostly {@code type}. */
    private static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("cannot export to " + type
                    + " (supported: F32, F16, BF16, Q8_0, Q4_0)");
        };
    }

    public static void export(Path modelDir, Path out, GgmlType type) throws IOException {
        int fileType = fileType(type);
        ModelConfig c = ModelConfig.load(modelDir);
        try (Checkpoint ckpt = Checkpoint.open(modelDir)) {
            String arch = GgufModelConfig.ggufName(c.architecture());
            String p = arch + ".";
            GgufWriter w = new GgufWriter();
            w.putString("general.architecture", arch);
            w.putString("general.name", modelDir.getFileName().toString());
            w.putUint32("general.file_type", fileType);
            w.putUint32(p + "context_length", c.maxPositions());
            w.putUint32(p + "embedding_length", c.hiddenSize());
            w.putUint32(p + "block_count", c.numLayers());
            w.putUint32(p + "feed_forward_length", c.intermediateSize());
            w.putUint32(p + "attention.head_count", c.numHeads());
            w.putUint32(p + "attention.head_count_kv", c.numKvHeads());
            w.putUint32(p + "attention.key_length", c.headDim());
            w.putUint32(p + "attention.value_length", c.headDim());
            w.putUint32(p + "rope.dimension_count", c.headDim());
            w.putFloat32(p + "rope.freq_base", (float) c.ropeTheta());
            w.putFloat32(p + "attention.layer_norm_rms_epsilon", c.rmsNormEps());
            w.putUint32(p + "vocab_size", c.vocabSize());
            w.putUint32("tokenizer.ggml.bos_token_id", c.bosTokenId());
            if (!c.eosTokenIds().isEmpty()) {
                w.putUint32("tokenizer.ggml.eos_token_id", c.eosTokenIds().get(0));
            }
            switch (c.ropeScaling()) {
                case RopeScaling.None n -> { }
                case RopeScaling.Linear l -> {
                    w.putString(p + "rope.scaling.type", "linear");
                    w.putFloat32(p + "rope.scaling.factor", (float) l.factor());
                }
                case RopeScaling.Llama3 l -> w.addTensor("rope_freqs.weight", GgmlType.F32, new long[] {c.headDim() / 2},
                        GgmlQuantizer.quantize(GgmlType.F32, ropeFactors(c), 0, c.headDim() / 2));
                case RopeScaling.Factors f -> w.addTensor("rope_freqs.weight", GgmlType.F32, new long[] {c.headDim() / 2},
                        GgmlQuantizer.quantize(GgmlType.F32, ropeFactors(c), 0, c.headDim() / 2));
            }

            boolean interleave = c.architecture() != Architecture.QWEN2;
            int hidden = c.hiddenSize();
            matrix(w, "token_embd.weight", ckpt.tensor("model.embed_tokens.weight"), c.vocabSize(), hidden, type, null);
            for (int i = 0; i < c.numLayers(); i++) {
                String hf = "model.layers." + i + ".";
                String g = "blk." + i + ".";
                int[] qRows = interleave ? toInterleaved(c.numHeads(), c.headDim()) : null;
                int[] kRows = interleave ? toInterleaved(c.numKvHeads(), c.headDim()) : null;
                vector(w, g + "attn_norm.weight", ckpt.tensor(hf + "input_layernorm.weight"), hidden, null);
                matrix(w, g + "attn_q.weight", ckpt.tensor(hf + "self_attn.q_proj.weight"), c.qDim(), hidden, type, qRows);
                matrix(w, g + "attn_k.weight", ckpt.tensor(hf + "self_attn.k_proj.weight"), c.kvDim(), hidden, type, kRows);
                matrix(w, g + "attn_v.weight", ckpt.tensor(hf + "self_attn.v_proj.weight"), c.kvDim(), hidden, type, null);
                if (c.attentionBias()) {
                    vector(w, g + "attn_q.bias", ckpt.tensor(hf + "self_attn.q_proj.bias"), c.qDim(), qRows);
                    vector(w, g + "attn_k.bias", ckpt.tensor(hf + "self_attn.k_proj.bias"), c.kvDim(), kRows);
                    vector(w, g + "attn_v.bias", ckpt.tensor(hf + "self_attn.v_proj.bias"), c.kvDim(), null);
                }
                matrix(w, g + "attn_output.weight", ckpt.tensor(hf + "self_attn.o_proj.weight"), hidden, c.qDim(), type, null);
                vector(w, g + "ffn_norm.weight", ckpt.tensor(hf + "post_attention_layernorm.weight"), hidden, null);
                int inter = c.intermediateSize();
                matrix(w, g + "ffn_gate.weight", ckpt.tensor(hf + "mlp.gate_proj.weight"), inter, hidden, type, null);
                matrix(w, g + "ffn_up.weight", ckpt.tensor(hf + "mlp.up_proj.weight"), inter, hidden, type, null);
                matrix(w, g + "ffn_down.weight", ckpt.tensor(hf + "mlp.down_proj.weight"), hidden, inter, type, null);
            }
            vector(w, "output_norm.weight", ckpt.tensor("model.norm.weight"), hidden, null);
            if (!c.tieWordEmbeddings()) {
                matrix(w, "output.weight", ckpt.tensor("lm_head.weight"), c.vocabSize(), hidden, type, null);
            }
            w.write(out);
        }
    }

    /** llama.cpp's rope_freqs: the divisor of each pair's base frequency. */
    private static float[] ropeFactors(ModelConfig c) {
        double[] base = new RopeScaling.None().inverseFrequencies(c.ropeTheta(), c.headDim());
        double[] scaled = c.ropeScaling().inverseFrequencies(c.ropeTheta(), c.headDim());
        float[] factors = new float[base.length];
        for (int i = 0; i < base.length; i++) {
            factors[i] = (float) (base[i] / scaled[i]);
        }
        return factors;
    }

    /** For each GGUF row, the Hugging Face row it holds: the inverse of {@link PermutedLinear#fromInterleavedRope}. */
    static int[] toInterleaved(int heads, int headDim) {
        int[] hfOfGguf = PermutedLinear.fromInterleavedRope(heads, headDim);
        int[] inverse = new int[hfOfGguf.length];
        for (int hfRow = 0; hfRow < hfOfGguf.length; hfRow++) {
            inverse[hfOfGguf[hfRow]] = hfRow;
        }
        return inverse;
    }

    /** An HF weight [out, in] as GGUF dims [in, out], rows taken in {@code rows} order when given. */
    private static void matrix(GgufWriter w, String name, Tensor t, int out, int in, GgmlType type, int[] rows) {
        t.requireShape(out, in);
        float[] values = reorder(t.toFloatArray(), rows, in);
        GgmlType stored = in % type.blockElements() == 0 ? type : GgmlType.F16;
        w.addTensor(name, stored, new long[] {in, out}, GgmlQuantizer.quantize(stored, values, 0, values.length));
    }

    private static void vector(GgufWriter w, String name, Tensor t, int size, int[] rows) {
        t.requireShape(size);
        float[] values = reorder(t.toFloatArray(), rows, 1);
        w.addTensor(name, GgmlType.F32, new long[] {size}, GgmlQuantizer.quantize(GgmlType.F32, values, 0, size));
    }

    private static float[] reorder(float[] values, int[] rows, int rowLength) {
        if (rows == null) {
            return values;
        }
        float[] out = new float[values.length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(values, rows[r] * rowLength, out, r * rowLength, rowLength);
        }
        return out;
    }
}
