package io.quantserve.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.format.gguf.GgmlDequantizer;
import io.quantserve.engine.format.gguf.GgmlQuantizer;
import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.format.gguf.GgufFile;
import io.quantserve.engine.format.gguf.GgufTensor;
import io.quantserve.engine.format.gguf.GgufValueType;
import io.quantserve.engine.format.gguf.GgufWriter;
import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.format.safetensors.SafetensorsWriter;
import io.quantserve.engine.linear.Unquantized;
import io.quantserve.engine.testing.Fixtures;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Q4_K_M recipe and the tokenizer metadata of {@link GgufExporter}. */
class GgufQuantizedExportTest {
    private static final int[] IDS = {1, 17, 250, 3, 99, 42, 200, 7, 128, 64, 5, 211};

    @TempDir
    Path dir;

    @Test
    void useMoreBitsPicksLlamaCppsLayers() {
        // llama.cpp for 32 layers: 0-3, 28-31, and every third from 6 (i - 4) % 3 == 2
        List<Integer> picked = new java.util.ArrayList<>();
        for (int i = 0; i < 32; i++) {
            if (GgufExporter.useMoreBits(i, 32)) {
                picked.add(i);
            }
        }
        assertThat(picked).containsExactly(0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31);
    }

    @Test
    void q4KMRecipeFallsBackForRowsThatAreNotSuperBlocks() {
        GgufExporter.Recipe r = GgufExporter.Recipe.Q4_K_M;
        assertThat(r.typeOf("blk.0.ffn_up.weight", 0, 4, 256, true)).isEqualTo(GgmlType.Q4_K);
        assertThat(r.typeOf("blk.0.ffn_up.weight", 0, 4, 64, true)).isEqualTo(GgmlType.Q8_0);
        assertThat(r.typeOf("blk.0.ffn_down.weight", 0, 4, 172, true)).isEqualTo(GgmlType.F16);
        assertThat(r.typeOf("blk.0.ffn_down.weight", 0, 8, 512, true)).isEqualTo(GgmlType.Q6_K);
        assertThat(r.typeOf("output.weight", -1, 4, 64, true)).isEqualTo(GgmlType.Q8_0);
        assertThat(r.typeOf("token_embd.weight", -1, 4, 256, true)).isEqualTo(GgmlType.Q4_K);
        assertThat(r.typeOf("token_embd.weight", -1, 4, 256, false)).as("tied: the embedding is the output")
                .isEqualTo(GgmlType.Q6_K);
    }

    /**
     * A random Llama with hidden 256 (so rows are whole super-blocks) exported as Q4_K_M: the tensor types follow
     * llama.cpp's recipe, the file runs exactly like the F32 file of its own dequantized tensors (the packed Q4_K and
     * Q6_K kernels add nothing), and each tensor keeps its type's accuracy.
     */
    @Test
    void q4KMFileHasLlamaCppsTypesAndRunsLikeItsDequantizedTwin() throws Exception {
        Path hf = syntheticModel(dir.resolve("hf"), 4, 256, 512, 256);
        Path file = dir.resolve("q4km.gguf");
        GgufExporter.export(hf, file, GgufExporter.Recipe.Q4_K_M);
        try (GgufFile f = GgufFile.open(file)) {
            assertThat(f.getLong("general.file_type")).isEqualTo(15);
            assertThat(f.getLong("general.quantization_version")).isEqualTo(2);
            assertThat(f.tensor("output.weight").type()).isEqualTo(GgmlType.Q6_K);
            assertThat(f.tensor("token_embd.weight").type()).isEqualTo(GgmlType.Q4_K);
            for (int i = 0; i < 4; i++) {
                GgmlType more = i >= 2 ? GgmlType.Q6_K : GgmlType.Q4_K; // use_more_bits(i, 4): layers 2 and 3
                assertThat(f.tensor("blk." + i + ".attn_v.weight").type()).as("attn_v " + i).isEqualTo(more);
                assertThat(f.tensor("blk." + i + ".ffn_down.weight").type()).as("ffn_down " + i).isEqualTo(more);
                for (String n : new String[] {"attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up"}) {
                    assertThat(f.tensor("blk." + i + "." + n + ".weight").type()).as(n + " " + i).isEqualTo(GgmlType.Q4_K);
                }
                assertThat(f.tensor("blk." + i + ".attn_norm.weight").type()).isEqualTo(GgmlType.F32);
            }
        }
        Path twin = dequantizedTwin(file, dir.resolve("twin.gguf"));
        try (LoadedModel q = LoadedModel.open(file); LoadedModel t = LoadedModel.open(twin);
                Checkpoint ckpt = Checkpoint.open(hf)) {
            LlamaModel original = LlamaLoader.load(ModelConfig.load(hf), ckpt, Unquantized.INSTANCE);
            float[] expected = t.model().forward(t.model().newState(64), IDS, 0, true);
            float[] prefill = q.model().forward(q.model().newState(64), IDS, 0, true);
            assertThat(GgufModelTest.relativeError(prefill, expected)).as("prefill vs twin").isLessThanOrEqualTo(1e-5);
            InferenceState s = q.model().newState(64);
            int vocab = q.config().vocabSize();
            for (int i = 0; i < IDS.length; i++) {
                float[] step = q.model().forward(s, new int[] {IDS[i]}, i, false);
                float[] row = java.util.Arrays.copyOfRange(expected, i * vocab, (i + 1) * vocab);
                assertThat(GgufModelTest.relativeError(step, row)).as("decode " + i).isLessThanOrEqualTo(1e-5);
            }
            double vsFloat = GgufModelTest.relativeError(prefill, original.forward(original.newState(64), IDS, 0, true));
            System.out.printf("Q4_K_M synthetic (hidden 256, random weights) vs float logits: %.3e%n", vsFloat);
            // random weights amplify any perturbation (GgufExportTest measures Q4_0 at 0.66..0.93 on such models)
            assertThat(vsFloat).isLessThan(0.4);
            // per tensor, the weights themselves: relative RMS error as each type gives it
            try (GgufFile f = GgufFile.open(file)) {
                for (int i = 0; i < 4; i++) {
                    checkWeights(f, ckpt, "blk." + i + ".attn_v.weight", "model.layers." + i + ".self_attn.v_proj.weight");
                    checkWeights(f, ckpt, "blk." + i + ".ffn_down.weight", "model.layers." + i + ".mlp.down_proj.weight");
                    checkWeights(f, ckpt, "blk." + i + ".ffn_up.weight", "model.layers." + i + ".mlp.up_proj.weight");
                }
                checkWeights(f, ckpt, "output.weight", "lm_head.weight");
            }
        }
    }

    /**
     * stories260K's Hugging Face folder given a tokenizer.model built from the GGUF's own vocabulary: the export
     * carries the tokenizer (same tokens, scores, types, ids; the same encoding of "Once upon a time"), the chat
     * template, and runs like the original. Its rows (64, 172) are no whole super-blocks, so Q4_K_M falls back to
     * Q8_0 (and F16 for ffn_down's 172) exactly as the recipe states.
     */
    @Test
    void stories260KExportCarriesItsTokenizer() throws Exception {
        Path hf = Files.createDirectories(dir.resolve("stories"));
        Path src = Fixtures.model("stories260K");
        Files.copy(src.resolve("config.json"), hf.resolve("config.json"));
        Files.copy(src.resolve("model.safetensors"), hf.resolve("model.safetensors"));
        String template = "{% for m in messages %}{{ m['content'] }}{% endfor %}";
        Files.writeString(hf.resolve("tokenizer_config.json"), "{\"chat_template\": \"" + template + "\"}");
        try (GgufFile original = GgufFile.open(GgufModelTest.STORIES_GGUF)) {
            Files.write(hf.resolve("tokenizer.model"), sentencePieceModel(original));
            Tokenizer reference = Tokenizers.fromGguf(original);
            int[] prompt = reference.encode("Once upon a time");
            assertThat(Tokenizers.load(hf).encode("Once upon a time")).as("the folder's tokenizer").containsExactly(prompt);
            int[] ids = new int[prompt.length + 1];
            ids[0] = 1;
            System.arraycopy(prompt, 0, ids, 1, prompt.length);

            try (Checkpoint ckpt = Checkpoint.open(hf)) {
                LlamaModel hfModel = LlamaLoader.load(ModelConfig.load(hf), ckpt, Unquantized.INSTANCE);
                float[] expected = hfModel.forward(hfModel.newState(64), ids, 0, true);
                for (GgufExporter.Recipe recipe : new GgufExporter.Recipe[] {GgufExporter.Recipe.F32,
                        GgufExporter.Recipe.Q4_K_M}) {
                    Path file = dir.resolve("stories-" + recipe + ".gguf");
                    GgufExporter.export(hf, file, recipe);
                    try (GgufFile f = GgufFile.open(file); LoadedModel loaded = LoadedModel.open(file)) {
                        assertThat(f.getString("tokenizer.ggml.model")).isEqualTo("llama");
                        assertThat(f.getStringList("tokenizer.ggml.tokens"))
                                .isEqualTo(original.getStringList("tokenizer.ggml.tokens"));
                        assertThat(f.getFloatArray("tokenizer.ggml.scores"))
                                .containsExactly(original.getFloatArray("tokenizer.ggml.scores"));
                        assertThat(f.getIntArray("tokenizer.ggml.token_type"))
                                .containsExactly(original.getIntArray("tokenizer.ggml.token_type"));
                        for (String key : new String[] {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                                "tokenizer.ggml.unknown_token_id"}) {
                            assertThat(f.getLong(key)).as(key).isEqualTo(original.getLong(key));
                        }
                        assertThat(f.getString("tokenizer.chat_template")).isEqualTo(template);
                        assertThat(loaded.tokenizer()).isPresent();
                        assertThat(loaded.tokenizer().get().encode("Once upon a time")).containsExactly(prompt);
                        if (recipe == GgufExporter.Recipe.Q4_K_M) {
                            assertThat(f.tensor("blk.0.ffn_up.weight").type()).isEqualTo(GgmlType.Q8_0);
                            assertThat(f.tensor("blk.0.ffn_down.weight").type()).isEqualTo(GgmlType.F16);
                            assertThat(f.tensor("output.weight").type()).isEqualTo(GgmlType.Q8_0);
                        }
                        float[] actual = loaded.model().forward(loaded.model().newState(64), ids, 0, true);
                        double err = GgufModelTest.relativeError(actual, expected);
                        System.out.printf("stories260K %s vs HF float: %.3e%n", recipe, err);
                        assertThat(err).as(recipe.toString()).isLessThanOrEqualTo(
                                recipe == GgufExporter.Recipe.F32 ? 1e-5 : 2e-2);
                    }
                }
            }
        }
    }

    /** Relative RMS error of a stored tensor against the float original: Q6_K well below 3%, Q4_K below 12%. */
    private static void checkWeights(GgufFile f, Checkpoint ckpt, String gguf, String hf) {
        GgufTensor t = f.tensor(gguf);
        float[] back = new float[(int) t.elementCount()];
        GgmlDequantizer.dequantize(t.type(), t.data(), 0, back, 0, back.length);
        float[] w = ckpt.tensor(hf).toFloatArray();
        double err = 0;
        double sig = 0;
        for (int i = 0; i < w.length; i++) {
            err += (w[i] - back[i]) * (w[i] - back[i]);
            sig += w[i] * w[i];
        }
        double rel = Math.sqrt(err / sig);
        assertThat(rel).as(gguf + " " + t.type()).isLessThan(t.type() == GgmlType.Q6_K ? 0.03 : 0.12)
                .isGreaterThan(t.type() == GgmlType.Q6_K ? 0.0 : 0.03);
    }

    /** A SentencePiece ModelProto (BPE) with the pieces, scores and types of a GGUF "llama" vocabulary. */
    private static byte[] sentencePieceModel(GgufFile gguf) {
        List<String> tokens = gguf.getStringList("tokenizer.ggml.tokens");
        float[] scores = gguf.getFloatArray("tokenizer.ggml.scores");
        int[] types = gguf.getIntArray("tokenizer.ggml.token_type");
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        for (int i = 0; i < tokens.size(); i++) {
            ByteArrayOutputStream piece = new ByteArrayOutputStream();
            bytesField(piece, 1, tokens.get(i).getBytes(StandardCharsets.UTF_8));
            piece.write(2 << 3 | 5);
            piece.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(scores[i]).array());
            varintField(piece, 3, types[i]);
            bytesField(model, 1, piece.toByteArray());
        }
        ByteArrayOutputStream trainer = new ByteArrayOutputStream();
        varintField(trainer, 3, 2); // BPE
        varintField(trainer, 40, (int) gguf.getLong("tokenizer.ggml.unknown_token_id"));
        varintField(trainer, 41, (int) gguf.getLong("tokenizer.ggml.bos_token_id"));
        varintField(trainer, 42, (int) gguf.getLong("tokenizer.ggml.eos_token_id"));
        bytesField(model, 2, trainer.toByteArray());
        ByteArrayOutputStream normalizer = new ByteArrayOutputStream();
        varintField(normalizer, 3, 1); // add_dummy_prefix
        varintField(normalizer, 4, 0); // remove_extra_whitespaces: llama.cpp does not
        bytesField(model, 3, normalizer.toByteArray());
        return model.toByteArray();
    }

    private static void varintField(ByteArrayOutputStream out, int field, long value) {
        varint(out, (long) field << 3);
        varint(out, value);
    }

    private static void bytesField(ByteArrayOutputStream out, int field, byte[] bytes) {
        varint(out, (long) field << 3 | 2);
        varint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** A random float32 Llama folder (GQA 4/2 heads). */
    private static Path syntheticModel(Path hf, int layers, int hidden, int inter, int vocab) throws Exception {
        Files.createDirectories(hf);
        Files.writeString(hf.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %d,
                 "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": 4,
                 "num_key_value_heads": 2, "vocab_size": %d, "max_position_embeddings": 128, "rms_norm_eps": 1e-5,
                 "rope_theta": 10000.0, "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2,
                 "torch_dtype": "float32"}""".formatted(hidden, inter, layers, vocab));
        Random rnd = new Random(11);
        SafetensorsWriter w = new SafetensorsWriter();
        int kv = hidden / 2;
        w.addF32("model.embed_tokens.weight", new long[] {vocab, hidden}, gaussian(rnd, vocab * hidden, 1.0));
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            w.addF32(p + "input_layernorm.weight", new long[] {hidden}, ones(hidden));
            w.addF32(p + "post_attention_layernorm.weight", new long[] {hidden}, ones(hidden));
            double s = 1 / Math.sqrt(hidden);
            w.addF32(p + "self_attn.q_proj.weight", new long[] {hidden, hidden}, gaussian(rnd, hidden * hidden, s));
            w.addF32(p + "self_attn.k_proj.weight", new long[] {kv, hidden}, gaussian(rnd, kv * hidden, s));
            w.addF32(p + "self_attn.v_proj.weight", new long[] {kv, hidden}, gaussian(rnd, kv * hidden, s));
            w.addF32(p + "self_attn.o_proj.weight", new long[] {hidden, hidden}, gaussian(rnd, hidden * hidden, s));
            w.addF32(p + "mlp.gate_proj.weight", new long[] {inter, hidden}, gaussian(rnd, inter * hidden, s));
            w.addF32(p + "mlp.up_proj.weight", new long[] {inter, hidden}, gaussian(rnd, inter * hidden, s));
            w.addF32(p + "mlp.down_proj.weight", new long[] {hidden, inter}, gaussian(rnd, hidden * inter,
                    1 / Math.sqrt(inter)));
        }
        w.addF32("model.norm.weight", new long[] {hidden}, ones(hidden));
        w.addF32("lm_head.weight", new long[] {vocab, hidden}, gaussian(rnd, vocab * hidden, 1 / Math.sqrt(hidden)));
        w.write(hf.resolve("model.safetensors"));
        return hf;
    }

    private static float[] gaussian(Random rnd, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        return v;
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    /** The same file with every tensor dequantized to F32 (metadata scalars copied). */
    static Path dequantizedTwin(Path quantized, Path twin) throws Exception {
        try (GgufFile f = GgufFile.open(quantized)) {
            GgufWriter w = new GgufWriter();
            f.metadata().forEach((k, v) -> {
                if (v instanceof Long l) {
                    w.put(k, GgufValueType.UINT32, l);
                } else if (v instanceof Float x) {
                    w.putFloat32(k, x);
                } else if (v instanceof String s) {
                    w.putString(k, s);
                }
            });
            for (GgufTensor t : f.tensors().values()) {
                float[] v = new float[(int) t.elementCount()];
                GgmlDequantizer.dequantize(t.type(), t.data(), 0, v, 0, v.length);
                w.addTensor(t.name(), GgmlType.F32, t.dims(), GgmlQuantizer.quantize(GgmlType.F32, v, 0, v.length));
            }
            w.write(twin);
        }
        return twin;
    }
}
