package io.quantserve.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.format.gguf.GgufFile;
import io.quantserve.engine.format.gguf.GgufTensor;
import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.linear.Unquantized;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Fixture models exported to GGUF and run again: the same logits as the safetensors originals, within each type's bound. */
class GgufExportTest {
    /**
     * Max |Δlogit| / max |logit| over the golden sequences, against the safetensors original. stories260K has trained
     * weights (measured: F32 5.7e-7, Q8_0 1.2e-2, Q4_0 1.7e-1). The other fixtures have random weights that amplify
     * any perturbation (measured Q8_0 5e-2..2.1e-1, Q4_0 0.66..0.93): there the bounds only say "Q8_0 well below
     * Q4_0"; that the kernels add nothing to the quantization error is {@link #quantizedFilesRunLikeTheirDequantizedTwin}.
     */
    private static final double F32_BOUND = 1e-5;

    private static double bound(String model, GgmlType type) {
        boolean trained = model.equals("stories260K");
        return switch (type) {
            case F32 -> F32_BOUND;
            case Q8_0 -> trained ? 2e-2 : 0.25;
            default -> trained ? 0.25 : 1.0;
        };
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-llama3-scaled", "stories260K"})
    void exportedModelsGiveTheOriginalLogits(String name) throws Exception {
        Path hfDir = Fixtures.model(name);
        try (Checkpoint ckpt = Checkpoint.open(hfDir)) {
            LlamaModel original = LlamaLoader.load(ModelConfig.load(hfDir), ckpt, Unquantized.INSTANCE);
            java.util.Map<GgmlType, Double> errors = new java.util.EnumMap<>(GgmlType.class);
            for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.Q8_0, GgmlType.Q4_0}) {
                Path file = dir.resolve(name + "-" + type + ".gguf");
                GgufExporter.export(hfDir, file, type);
                double worst = 0;
                try (LoadedModel gguf = LoadedModel.open(file)) {
                    for (GoldenLogitsTest.Golden g : GoldenLogitsTest.goldens(hfDir)) {
                        float[] expected = original.forward(original.newState(64), g.ids(), 0, true);
                        float[] actual = gguf.model().forward(gguf.model().newState(64), g.ids(), 0, true);
                        worst = Math.max(worst, GgufModelTest.relativeError(actual, expected));
                    }
                }
                System.out.printf("%s %s: max|Δlogit|/max|logit| = %.2e%n", name, type, worst);
                assertThat(worst).as(name + " " + type).isLessThanOrEqualTo(bound(name, type));
                errors.put(type, worst);
            }
            assertThat(errors.get(GgmlType.Q8_0)).as(name + ": Q8_0 error well below Q4_0's")
                    .isLessThan(errors.get(GgmlType.Q4_0) / 3);
        }
    }

    /**
     * A quantized file runs exactly like the F32 file of its own dequantized tensors: the packed kernels (decode and
     * prefill), the packed embedding and the row permutation add no error beyond the quantization itself.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2", "tiny-qwen3", "stories260K"})
    void quantizedFilesRunLikeTheirDequantizedTwin(String name) throws Exception {
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0}) {
            Path quantized = dir.resolve(name + "-" + type + ".gguf");
            GgufExporter.export(Fixtures.model(name), quantized, type);
            Path twin = GgufQuantizedExportTest.dequantizedTwin(quantized, dir.resolve(name + "-" + type + "-dequantized.gguf"));
            try (LoadedModel q = LoadedModel.open(quantized); LoadedModel d = LoadedModel.open(twin)) {
                for (GoldenLogitsTest.Golden g : GoldenLogitsTest.goldens(Fixtures.model(name))) {
                    float[] expected = d.model().forward(d.model().newState(64), g.ids(), 0, true);
                    float[] prefill = q.model().forward(q.model().newState(64), g.ids(), 0, true);
                    assertThat(GgufModelTest.relativeError(prefill, expected)).as(name + " " + type + " prefill")
                            .isLessThanOrEqualTo(1e-5);
                    InferenceState s = q.model().newState(64);
                    int vocab = q.config().vocabSize();
                    for (int t = 0; t < g.ids().length; t++) {
                        float[] step = q.model().forward(s, new int[] {g.ids()[t]}, t, false);
                        float[] row = java.util.Arrays.copyOfRange(expected, t * vocab, (t + 1) * vocab);
                        // decode folds Q4_0's -8 offset into d·(Σq·x − 8·Σx), whose cancellation costs a little
                        // more float rounding than prefill's dequantized tiles (as for the AWQ/GPTQ kernels)
                        assertThat(GgufModelTest.relativeError(step, row)).as(name + " " + type + " decode " + t)
                                .isLessThanOrEqualTo(2e-5);
                    }
                }
            }
        }
    }

    @Test
    void stories260KExportMatchesLlamaCppsOwnFileTensorForTensor() throws Exception {
        Path file = dir.resolve("stories.gguf");
        GgufExporter.export(Fixtures.model("stories260K"), file, GgmlType.F32);
        try (GgufFile ours = GgufFile.open(file); GgufFile theirs = GgufFile.open(GgufModelTest.STORIES_GGUF)) {
            assertThat(ours.tensors().keySet()).containsExactlyInAnyOrderElementsOf(theirs.tensors().keySet());
            for (GgufTensor t : theirs.tensors().values()) {
                GgufTensor mine = ours.tensor(t.name());
                assertThat(mine.dims()).as(t.name()).containsExactly(t.dims());
                assertThat(mine.type()).as(t.name()).isEqualTo(t.type());
                // same bytes: the q/k rows are permuted exactly as llama.cpp does
                assertThat(mine.data().mismatch(t.data())).as(t.name()).isEqualTo(-1);
            }
            for (String key : new String[] {"llama.embedding_length", "llama.feed_forward_length", "llama.block_count",
                    "llama.attention.head_count", "llama.attention.head_count_kv", "llama.rope.dimension_count"}) {
                assertThat(ours.getLong(key)).as(key).isEqualTo(theirs.getLong(key));
            }
        }
    }

    @Test
    void llama3RopeScalingTravelsAsRopeFreqs() throws Exception {
        Path file = dir.resolve("scaled.gguf");
        GgufExporter.export(Fixtures.model("tiny-llama3-scaled"), file, GgmlType.F32);
        ModelConfig hf = ModelConfig.load(Fixtures.model("tiny-llama3-scaled"));
        try (GgufFile f = GgufFile.open(file)) {
            assertThat(f.tensor("rope_freqs.weight").dims()).containsExactly(hf.headDim() / 2);
            double[] expected = hf.ropeScaling().inverseFrequencies(hf.ropeTheta(), hf.headDim());
            double[] actual = GgufModelConfig.from(f).ropeScaling().inverseFrequencies(hf.ropeTheta(), hf.headDim());
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(expected[i] * 1e-7));
            }
        }
    }
}
