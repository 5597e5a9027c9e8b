package io.quantserve.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.format.gguf.GgufFile;
import io.quantserve.engine.format.gguf.GgufTensor;
import io.quantserve.engine.format.gguf.GgufValueType;
import io.quantserve.engine.format.gguf.GgufWriter;
import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.generate.Generator;
import io.quantserve.engine.linear.Unquantized;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** stories260K.gguf, a real llama.cpp file, against its Hugging Face conversion and llama.cpp's own output. */
class GgufModelTest {
    static final Path STORIES_GGUF = Fixtures.root().resolve("models/stories260K.gguf");

    @TempDir
    Path dir;

    @Test
    void configComesFromTheLlamaMetadata() throws Exception {
        try (LoadedModel gguf = LoadedModel.open(STORIES_GGUF)) {
            ModelConfig c = gguf.config();
            ModelConfig hf = ModelConfig.load(Fixtures.model("stories260K"));
            assertThat(c.architecture()).isEqualTo(Architecture.LLAMA);
            assertThat(List.of(c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(), c.numKvHeads(),
                    c.headDim(), c.vocabSize())).isEqualTo(List.of(hf.hiddenSize(), hf.intermediateSize(), hf.numLayers(),
                    hf.numHeads(), hf.numKvHeads(), hf.headDim(), hf.vocabSize()));
            assertThat(c.rmsNormEps()).isEqualTo(hf.rmsNormEps());
            assertThat(c.ropeTheta()).isEqualTo(hf.ropeTheta());
            assertThat(c.tieWordEmbeddings()).isFalse();
            assertThat(c.bosTokenId()).isEqualTo(1);
            assertThat(gguf.eosIds()).contains(2);
            assertThat(gguf.tokenizer()).isPresent();
            assertThat(gguf.generationConfig()).isEqualTo(GenerationConfig.none());
        }
    }

    @Test
    void logitsEqualThoseOfTheHuggingFaceConversion() throws Exception {
        Path hfDir = Fixtures.model("stories260K");
        try (LoadedModel gguf = LoadedModel.open(STORIES_GGUF); Checkpoint ckpt = Checkpoint.open(hfDir)) {
            LlamaModel hf = LlamaLoader.load(ModelConfig.load(hfDir), ckpt, Unquantized.INSTANCE);
            int vocab = hf.config().vocabSize();
            for (GoldenLogitsTest.Golden g : GoldenLogitsTest.goldens(hfDir)) {
                float[] expected = hf.forward(hf.newState(64), g.ids(), 0, true);
                float[] actual = gguf.model().forward(gguf.model().newState(64), g.ids(), 0, true);
                assertThat(relativeError(actual, expected)).as("prefill of " + g.ids().length).isLessThanOrEqualTo(1e-5);
                InferenceState s = gguf.model().newState(64);
                for (int t = 0; t < g.ids().length; t++) {
                    float[] step = gguf.model().forward(s, new int[] {g.ids()[t]}, t, false);
                    float[] row = java.util.Arrays.copyOfRange(expected, t * vocab, (t + 1) * vocab);
                    assertThat(relativeError(step, row)).as("decode step " + t).isLessThanOrEqualTo(1e-5);
                }
            }
        }
    }

    @Test
    void greedyGenerationReproducesLlamaCpp() throws Exception {
        try (LoadedModel gguf = LoadedModel.open(STORIES_GGUF)) {
            int[] golden = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267,
                    337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352};
            Generator.Result fromBos = new Generator(gguf.model(), null, Set.of(2))
                    .generate(new Generator.Request(new int[] {1}, SamplingParams.greedy(), 40, List.of(), false), t -> { });
            assertThat(fromBos.tokens()).containsExactly(golden);

            var tokenizer = gguf.tokenizer().orElseThrow();
            int[] ids = tokenizer.encode("Once upon a time");
            int[] prompt = new int[ids.length + 1];
            prompt[0] = 1;
            System.arraycopy(ids, 0, prompt, 1, ids.length);
            Generator.Result r = new Generator(gguf.model(), tokenizer, gguf.eosIds())
                    .generate(new Generator.Request(prompt, SamplingParams.greedy(), 40, List.of(), false), t -> { });
            assertThat("Once upon a time" + r.text()).startsWith("Once upon a time, there was a little girl named Lily."
                    + " She loved to play outside in the park. One day, she saw a big, red ball.");
        }
    }

    static double relativeError(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        double maxAbs = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        return maxDiff / maxAbs;
    }

    /** A copy of stories260K.gguf with metadata replaced and tensors rewritten (null drops one). */
    private Path copy(String name, Map<String, String> strings, Function<GgufTensor, GgufTensor> tensors) throws IOException {
        Path out = dir.resolve(name);
        try (GgufFile f = GgufFile.open(STORIES_GGUF)) {
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, Object> kv : f.metadata().entrySet()) {
                Object v = kv.getValue();
                String key = kv.getKey();
                if (strings.containsKey(key)) {
                    w.putString(key, strings.get(key));
                } else if (v instanceof List<?> list && !list.isEmpty()) {
                    w.putArray(key, typeOf(list.get(0)), list);
                } else if (!(v instanceof List<?>) && !key.equals("general.alignment")) {
                    w.put(key, typeOf(v), v);
                }
            }
            for (GgufTensor t : f.tensors().values()) {
                GgufTensor changed = tensors.apply(t);
                if (changed != null) {
                    w.addTensor(changed.name(), changed.type(), changed.dims(), changed.data());
                }
            }
            w.write(out);
        }
        return out;
    }

    private static GgufValueType typeOf(Object v) {
        return switch (v) {
            case Integer i -> GgufValueType.INT32;
            case Long l -> GgufValueType.INT64;
            case Float x -> GgufValueType.FLOAT32;
            case Double x -> GgufValueType.FLOAT64;
            case Boolean b -> GgufValueType.BOOL;
            case String s -> GgufValueType.STRING;
            default -> throw new IllegalArgumentException(v.toString());
        };
    }

    @Test
    void anUnchangedCopyStillRuns() throws Exception {
        Path same = copy("same.gguf", Map.of(), t -> t);
        try (LoadedModel m = LoadedModel.open(same)) {
            assertThat(m.model().forward(m.model().newState(8), new int[] {1, 403}, 0, false)).hasSize(512);
        }
    }

    @Test
    void unknownArchitectureIsNamed() throws Exception {
        Path bad = copy("arch.gguf", Map.of("general.architecture", "gpt2"), t -> t);
        assertThatThrownBy(() -> LoadedModel.open(bad))
                .hasMessageContaining("arch.gguf").hasMessageContaining("general.architecture 'gpt2' is not supported");
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        Path bad = copy("missing.gguf", Map.of(), t -> t.name().equals("blk.3.ffn_up.weight") ? null : t);
        assertThatThrownBy(() -> buildCpuModel(bad))
                .hasMessageContaining("missing.gguf").hasMessageContaining("no tensor named blk.3.ffn_up.weight");
    }

    @Test
    void wrongShapeIsNamed() throws Exception {
        Path bad = copy("shape.gguf", Map.of(), t -> t.name().equals("blk.0.attn_q.weight")
                ? new GgufTensor(t.name(), new long[] {32, 128}, t.type(), 0, t.data()) : t);
        assertThatThrownBy(() -> buildCpuModel(bad)).hasMessageContaining("shape.gguf")
                .hasMessageContaining("tensor blk.0.attn_q.weight has dims [32, 128], expected [64, 64]");
    }

    @Test
    void unsupportedTypeIsNamed() throws Exception {
        Path bad = copy("type.gguf", Map.of(), t -> t.name().equals("blk.1.attn_v.weight")
                ? new GgufTensor(t.name(), t.dims(), GgmlType.I32, 0, t.data()) : t);
        assertThatThrownBy(() -> buildCpuModel(bad)).hasMessageContaining("type.gguf")
                .hasMessageContaining("tensor blk.1.attn_v.weight has type I32, which is not supported");
    }

    /**
     * Opening reads only the metadata (a node serving on the GPU never builds the CPU model), so tensor problems
     * surface when the CPU model is built, still naming the file.
     */
    private static void buildCpuModel(Path file) throws Exception {
        try (LoadedModel m = LoadedModel.open(file)) {
            assertThat(m.config().numLayers()).isPositive();
            m.model();
        }
    }
}
