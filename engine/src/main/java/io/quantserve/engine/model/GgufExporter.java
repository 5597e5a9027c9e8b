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
 * Converts a Hugging Face Llama/Mistral/Qwen2/Qwen3 folder (float safetensors) to a GGUF file the way llama.cpp's
 * convert_hf_to_gguf.py and llama-quantize lay it out: llama.cpp's metadata keys and tensor names, Llama Q/K rows
 * permuted to the interleaved rotary order, 1-D tensors (norms, biases) in F32, matrices in the recipe's types.
 * Llama 3 rope scaling is written as the {@code rope_freqs.weight} tensor of per-pair factors, linear scaling as
 * {@code <arch>.rope.scaling.*}. When the folder has a tokenizer (tokenizer.json or tokenizer.model) its vocabulary
 * goes into {@code tokenizer.ggml.*} (with tokenizer_config.json's chat_template); without one the file runs on ids.
 *
 * <p>Recipes: one type for every matrix (F32, F16, BF16, Q8_0, Q4_0, Q6_K), or {@link Recipe#Q4_K_M},
 * llama.cpp's {@code llama_tensor_get_type} for LLAMA_FTYPE_MOSTLY_Q4_K_M: Q6_K for output.weight (token_embd when
 * the embeddings are tied) and for attn_v and ffn_down in the layers {@code use_more_bits} picks, Q4_K elsewhere.
 * A matrix whose rows are not whole blocks of its type falls back: Q6_K to Q8_0 (as llama.cpp), Q4_K to Q8_0
 * (llama.cpp takes Q5_0, which this engine does not read), then F16 when rows are not whole 32-blocks either; the
 * single-type recipes fall back to F16 as the converter does.
 */
public final class GgufExporter {
    private GgufExporter() {
    }

    /** How matrices are stored, with llama.cpp's {@code general.file_type} (llama_ftype) for the file. */
    public enum Recipe {
        F32(GgmlType.F32, 0), F16(GgmlType.F16, 1), Q4_0(GgmlType.Q4_0, 2), Q8_0(GgmlType.Q8_0, 7),
        Q4_K_M(GgmlType.Q4_K, 15), Q6_K(GgmlType.Q6_K, 18), BF16(GgmlType.BF16, 32);

        private final GgmlType base;
        private final int fileType;

        Recipe(GgmlType base, int fileType) {
            this.base = base;
            this.fileType = fileType;
        }

        /** The single-type recipe for {@code type}. */
        public static Recipe of(GgmlType type) {
            for (Recipe r : values()) {
                if (r.base == type && r != Q4_K_M) {
                    return r;
                }
            }
            throw new IllegalArgumentException("cannot export to " + type
                    + " (supported: F32, F16, BF16, Q8_0, Q4_0, Q6_K, or the Q4_K_M recipe)");
        }

        /**
         * The type of a matrix: {@code name} its GGUF name, {@code layer} its block (-1 outside blocks), rows of
         * {@code rowLength} elements.
         */
        GgmlType typeOf(String name, int layer, int layers, int rowLength, boolean hasOutput) {
            GgmlType t = base;
            if (this == Q4_K_M) {
                boolean output = name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"));
                boolean moreBits = (name.endsWith("attn_v.weight") || name.endsWith("ffn_down.weight"))
                        && useMoreBits(layer, layers);
                if (output || moreBits) {
                    t = GgmlType.Q6_K;
                }
                if (output && rowLength % KBLOCK != 0) {
                    return rowLength % 32 == 0 ? GgmlType.Q8_0 : GgmlType.F16;
                }
            }
            if (rowLength % t.blockElements() == 0) {
                return t;
            }
            if (t == GgmlType.Q4_K || t == GgmlType.Q6_K) {
                return rowLength % 32 == 0 ? GgmlType.Q8_0 : GgmlType.F16;
            }
            return GgmlType.F16;
        }
    }

    private static final int KBLOCK = 256;

    /** llama.cpp's use_more_bits: the first and last eighth of the layers and every third one in between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    public static void export(Path modelDir, Path out, GgmlType type) throws IOException {
        export(modelDir, out, Recipe.of(type));
    }

    public static void export(Path modelDir, Path out, Recipe recipe) throws IOException {
        int fileType = recipe.fileType;
        ModelConfig c = ModelConfig.load(modelDir);
        try (Checkpoint ckpt = Checkpoint.open(modelDir)) {
            String arch = GgufModelConfig.ggufName(c.architecture());
            String p = arch + ".";
            GgufWriter w = new GgufWriter();
            w.putString("general.architecture", arch);
            w.putString("general.name", modelDir.getFileName().toString());
            w.putUint32("general.file_type", fileType);
            if (recipe.base != GgmlType.F32 && recipe.base != GgmlType.F16 && recipe.base != GgmlType.BF16) {
                w.putUint32("general.quantization_version", 2); // GGML_QNT_VERSION
            }
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
            if (!GgufTokenizerMetadata.write(w, modelDir)) {
                w.putUint32("tokenizer.ggml.bos_token_id", c.bosTokenId());
                if (!c.eosTokenIds().isEmpty()) {
                    w.putUint32("tokenizer.ggml.eos_token_id", c.eosTokenIds().get(0));
                }
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

            int n = c.numLayers();
            boolean hasOutput = !c.tieWordEmbeddings();
            Types types = (name, layer, rowLength) -> recipe.typeOf(name, layer, n, rowLength, hasOutput);
            boolean interleave = c.architecture() != Architecture.QWEN2 && c.architecture() != Architecture.QWEN3;
            int hidden = c.hiddenSize();
            matrix(w, "token_embd.weight", -1, ckpt.tensor("model.embed_tokens.weight"), c.vocabSize(), hidden, types, null);
            for (int i = 0; i < c.numLayers(); i++) {
                String hf = "model.layers." + i + ".";
                String g = "blk." + i + ".";
                int[] qRows = interleave ? toInterleaved(c.numHeads(), c.headDim()) : null;
                int[] kRows = interleave ? toInterleaved(c.numKvHeads(), c.headDim()) : null;
                vector(w, g + "attn_norm.weight", ckpt.tensor(hf + "input_layernorm.weight"), hidden, null);
                matrix(w, g + "attn_q.weight", i, ckpt.tensor(hf + "self_attn.q_proj.weight"), c.qDim(), hidden, types, qRows);
                matrix(w, g + "attn_k.weight", i, ckpt.tensor(hf + "self_attn.k_proj.weight"), c.kvDim(), hidden, types, kRows);
                matrix(w, g + "attn_v.weight", i, ckpt.tensor(hf + "self_attn.v_proj.weight"), c.kvDim(), hidden, types, null);
                if (c.attentionBias()) {
                    vector(w, g + "attn_q.bias", ckpt.tensor(hf + "self_attn.q_proj.bias"), c.qDim(), qRows);
                    vector(w, g + "attn_k.bias", ckpt.tensor(hf + "self_attn.k_proj.bias"), c.kvDim(), kRows);
                    vector(w, g + "attn_v.bias", ckpt.tensor(hf + "self_attn.v_proj.bias"), c.kvDim(), null);
                }
                if (c.qkNorm()) { // per head, over head_dim: in the same (NeoX) order as the unpermuted rows
                    vector(w, g + "attn_q_norm.weight", ckpt.tensor(hf + "self_attn.q_norm.weight"), c.headDim(), null);
                    vector(w, g + "attn_k_norm.weight", ckpt.tensor(hf + "self_attn.k_norm.weight"), c.headDim(), null);
                }
                matrix(w, g + "attn_output.weight", i, ckpt.tensor(hf + "self_attn.o_proj.weight"), hidden, c.qDim(), types, null);
                vector(w, g + "ffn_norm.weight", ckpt.tensor(hf + "post_attention_layernorm.weight"), hidden, null);
                int inter = c.intermediateSize();
                matrix(w, g + "ffn_gate.weight", i, ckpt.tensor(hf + "mlp.gate_proj.weight"), inter, hidden, types, null);
                matrix(w, g + "ffn_up.weight", i, ckpt.tensor(hf + "mlp.up_proj.weight"), inter, hidden, types, null);
                matrix(w, g + "ffn_down.weight", i, ckpt.tensor(hf + "mlp.down_proj.weight"), hidden, inter, types, null);
            }
            vector(w, "output_norm.weight", ckpt.tensor("model.norm.weight"), hidden, null);
            if (!c.tieWordEmbeddings()) {
                matrix(w, "output.weight", -1, ckpt.tensor("lm_head.weight"), c.vocabSize(), hidden, types, null);
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

    /** The storage type of one matrix. */
    @FunctionalInterface
    private interface Types {
        GgmlType of(String name, int layer, int rowLength);
    }

    /** An HF weight [out, in] as GGUF dims [in, out], rows taken in {@code rows} order when given. */
    private static void matrix(GgufWriter w, String name, int layer, Tensor t, int out, int in, Types types,
            int[] rows) {
        t.requireShape(out, in);
        float[] values = reorder(t.toFloatArray(), rows, in);
        GgmlType stored = types.of(name, layer, in);
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
