package io.quantserve.engine.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.format.safetensors.SafetensorsFile;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.generate.Generator;
import io.quantserve.engine.linear.AwqConfig;
import io.quantserve.engine.linear.QuantizationConfigs;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void shouldWriteAConfigThatLoadsBackAsTheSameShapeForEveryKnownShape() throws Exception {
        for (String name : SyntheticModels.NAMES) {
            Path folder = Files.createDirectories(dir.resolve(name));
            SyntheticCheckpoint.writeConfig(SyntheticModels.byName(name), DType.BF16, folder);
            assertThat(ModelConfig.load(folder)).as(name).isEqualTo(SyntheticModels.byName(name));
        }
    }

    @Test
    void shouldWriteAFolderThatLoadsAndGeneratesWithActivationsOfSaneScale() throws Exception {
        ModelConfig tiny = SyntheticModels.byName("tiny");
        Path out = new SyntheticCheckpoint(tiny, DType.F32, 7).write(dir.resolve("tiny"));

        try (LoadedModel loaded = LoadedModel.open(out)) {
            assertThat(loaded.config()).isEqualTo(tiny);
            assertThat(loaded.tokenizer()).isEmpty();
            assertThat(loaded.eosIds()).containsExactly(2);
            assertLogitsOfSaneScale(loaded);
            Generator.Result r = new Generator(loaded.model(), null, loaded.eosIds()).generate(
                    new Generator.Request(new int[] {1}, SamplingParams.greedy(), 6, List.of(), true), text -> { });
            assertThat(r.tokens()).hasSize(6);
        }
        assertThat(siblings()).containsExactly("tiny");
        // readable by other users, as a folder written with the usual umask is (temporary files are owner-only)
        assertThat(Files.getPosixFilePermissions(out)).contains(PosixFilePermission.OTHERS_READ);
        assertThat(Files.getPosixFilePermissions(out.resolve("model.safetensors")))
                .contains(PosixFilePermission.OTHERS_READ);
    }

    @Test
    void shouldWriteTheSameWeightsForTheSameSeedAndOthersForAnother() throws Exception {
        ModelConfig tiny = SyntheticModels.byName("tiny");
        Path a = new SyntheticCheckpoint(tiny, DType.BF16, 1).write(dir.resolve("a"));
        Path b = new SyntheticCheckpoint(tiny, DType.BF16, 1).write(dir.resolve("b"));
        Path c = new SyntheticCheckpoint(tiny, DType.BF16, 2).write(dir.resolve("c"));
        assertThat(Files.mismatch(a.resolve("model.safetensors"), b.resolve("model.safetensors"))).isEqualTo(-1);
        assertThat(Files.mismatch(a.resolve("model.safetensors"), c.resolve("model.safetensors"))).isNotEqualTo(-1);
        assertThat(Files.size(a.resolve("model.safetensors")))
                .isGreaterThan(new SyntheticCheckpoint(tiny, DType.BF16, 1).weightBytes());
    }

    @Test
    void shouldWriteAnAwqCheckpointThatTheAwqLoaderReadsAndThatKeepsActivationsSane() throws Exception {
        ModelConfig tiny = SyntheticModels.byName("tiny");
        SyntheticCheckpoint awq = new SyntheticCheckpoint(tiny, DType.BF16, 3).withAwq(64);
        Path out = awq.write(dir.resolve("awq"));

        assertThat(QuantizationConfigs.load(out)).isInstanceOf(AwqConfig.class);
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            Map<String, Tensor> t = f.tensors();
            Tensor qweight = t.get("model.layers.0.mlp.down_proj.qweight");
            assertThat(qweight.dtype()).isEqualTo(DType.I32);
            assertThat(qweight.shape()).containsExactly(768, 256 / 8);
            assertThat(t.get("model.layers.0.mlp.down_proj.qzeros").shape()).containsExactly(768 / 64, 256 / 8);
            assertThat(t.get("model.layers.0.mlp.down_proj.scales").dtype()).isEqualTo(DType.F16);
            assertThat(t.get("model.layers.0.mlp.down_proj.scales").shape()).containsExactly(768 / 64, 256);
            assertThat(t.get("model.embed_tokens.weight").dtype()).isEqualTo(DType.F16);
            assertThat(t).doesNotContainKey("model.layers.0.mlp.down_proj.weight");
        }
        // as many weights as the float checkpoint (AWQ zeros and scales are not counted)
        assertThat(awq.parameters()).isEqualTo(new SyntheticCheckpoint(tiny, DType.F16, 3).parameters());
        try (LoadedModel loaded = LoadedModel.open(out)) {
            assertLogitsOfSaneScale(loaded);
        }
    }

    @Test
    void shouldRefuseAnAwqGroupThatDoesNotDivideTheInputs() {
        ModelConfig tiny = SyntheticModels.byName("tiny");
        assertThatThrownBy(() -> new SyntheticCheckpoint(tiny, DType.F16, 1).withAwq(512))
                .hasMessageContaining("group size 512").hasMessageContaining("256");
        assertThatThrownBy(() -> new SyntheticCheckpoint(tiny, DType.F16, 1).withAwq(48))
                .hasMessageContaining("power of two");
    }

    @Test
    void shouldRefuseATokenizerWhoseVocabularyIsNotTheModelsAndWriteNothing() {
        Path llama2 = Fixtures.root().resolve("tokenizers/llama2/tokenizer.model");
        SyntheticCheckpoint tiny = new SyntheticCheckpoint(SyntheticModels.byName("tiny"), DType.F32, 1)
                .withTokenizer(llama2);
        assertThatThrownBy(() -> tiny.write(dir.resolve("tiny")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer.model").hasMessageContaining("32000").hasMessageContaining("2048");
        assertThat(siblings()).isEmpty();
    }

    @Test
    void shouldRefuseAFolderThatIsNotEmpty() throws Exception {
        Path taken = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(taken.resolve("notes.txt"), "mine");
        SyntheticCheckpoint tiny = new SyntheticCheckpoint(SyntheticModels.byName("tiny"), DType.F32, 1);
        assertThatThrownBy(() -> tiny.write(taken)).hasMessageContaining("taken").hasMessageContaining("not an empty folder");
        assertThat(Files.readString(taken.resolve("notes.txt"))).isEqualTo("mine");
    }

    @Test
    void shouldCountTheParametersOfTheKnownShapes() {
        assertThat(new SyntheticCheckpoint(SyntheticModels.byName("small"), DType.BF16, 1).parameters())
                .isEqualTo(2L * 32000 * 512 + 8L * (2 * 512 * 512 + 2 * 256 * 512 + 3 * 1536 * 512 + 2 * 512) + 512);
        // Llama-3.2-1B: 1.24 billion with its tied embeddings
        assertThat(new SyntheticCheckpoint(SyntheticModels.byName("llama-1b"), DType.BF16, 1).parameters())
                .isEqualTo(1_235_814_400L);
    }

    private List<String> siblings() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Finite logits whose largest is neither vanishing nor exploding: the random weights keep activations in scale. */
    private static void assertLogitsOfSaneScale(LoadedModel loaded) {
        float[] logits = loaded.model().forward(loaded.model().newState(16), new int[] {1, 5, 9}, 0, false);
        double maxAbs = 0;
        for (float v : logits) {
            assertThat(Float.isFinite(v)).isTrue();
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        assertThat(maxAbs).isBetween(0.05, 50.0);
    }
}
