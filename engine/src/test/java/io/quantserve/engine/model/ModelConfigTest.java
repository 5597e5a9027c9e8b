package io.quantserve.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.linear.Unquantized;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.ObjectMapper;

class ModelConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path variant(String from, String to) throws Exception {
        Path src = Fixtures.model("tiny-llama");
        Files.writeString(dir.resolve("config.json"), Files.readString(src.resolve("config.json")).replace(from, to));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    private Path mistral(int window) throws Exception {
        Path p = variant("\"LlamaForCausalLM\"", "\"MistralForCausalLM\"");
        Files.writeString(p.resolve("config.json"), Files.readString(p.resolve("config.json"))
                .replace("\"tie_word_embeddings\"", "\"sliding_window\": " + window + ", \"tie_word_embeddings\""));
        return p;
    }

    @Test
    void mistralWithAWindowLongerThanTheSequenceIsLlama() throws Exception {
        Path mistral = mistral(64);
        ModelConfig config = ModelConfig.load(mistral);
        assertThat(config.architecture()).isEqualTo(Architecture.MISTRAL);
        assertThat(config.slidingWindow()).isEqualTo(64);
        int[] ids = {1, 363, 241, 263, 344, 223, 298};
        assertThat(logits(mistral, ids)).containsExactly(logits(Fixtures.model("tiny-llama"), ids));
    }

    @Test
    void slidingWindowLimitsHowFarAttentionLooksBack() throws Exception {
        Path mistral = mistral(3);
        int[] ids = {1, 363, 241, 263, 344, 223, 298};
        float[] windowed = logits(mistral, ids);
        float[] full = logits(Fixtures.model("tiny-llama"), ids);
        int vocab = 384;
        // the first three positions see everything either way (equal up to float rounding: the first forward may run
        // on not yet intrinsified vector code, whose reductions may round differently); later ones differ
        double scale = 0;
        for (float v : full) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < 3 * vocab; i++) {
            assertThat((double) windowed[i]).as("logit %d", i).isCloseTo(full[i], within(1e-5 * scale));
        }
        double lastRowDiff = 0;
        for (int i = 6 * vocab; i < 7 * vocab; i++) {
            lastRowDiff = Math.max(lastRowDiff, Math.abs(windowed[i] - full[i]));
        }
        assertThat(lastRowDiff).as("position 6, past the window").isGreaterThan(1e-3 * scale);
    }

    @Test
    void linearRopeScalingDividesEveryFrequency() {
        double[] plain = new RopeScaling.None().inverseFrequencies(10000, 8);
        double[] scaled = new RopeScaling.Linear(4).inverseFrequencies(10000, 8);
        for (int i = 0; i < plain.length; i++) {
            assertThat(scaled[i]).isEqualTo(plain[i] / 4);
        }
    }

    @Test
    void unsupportedRopeScalingAndMissingFieldsAreNamed() throws Exception {
        Path yarn = variant("\"rope_theta\": 10000.0,", "\"rope_theta\": 10000.0, \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4},");
        assertThatThrownBy(() -> ModelConfig.load(yarn)).hasMessageContaining("yarn").hasMessageContaining("config.json");
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"]}");
        assertThatThrownBy(() -> ModelConfig.load(dir)).hasMessageContaining("hidden_size");
    }

    @Test
    void eosMayBeAListAndHeadDimMayBeExplicit() throws Exception {
        Path p = variant("\"eos_token_id\": 2", "\"eos_token_id\": [2, 7], \"head_dim\": 32");
        ModelConfig c = ModelConfig.load(p);
        assertThat(c.eosTokenIds()).containsExactly(2, 7);
        assertThat(c.headDim()).isEqualTo(32);
        assertThat(JSON.readTree(p.resolve("config.json").toFile()).get("head_dim").asInt()).isEqualTo(32);
    }

    private static float[] logits(Path dir, int[] ids) throws Exception {
        ModelConfig config = ModelConfig.load(dir);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            LlamaModel model = LlamaLoader.load(config, ckpt, Unquantized.INSTANCE);
            return model.forward(model.newState(16), ids, 0, true);
        }
    }
}
