package io.quantserve.engine.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.linear.AwqGptqCheckpoints.Scheme;
import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fixture models packed as AWQ / GPTQ checkpoints in the published layouts give the logits of the same model with
 * the dequantized weights stored as plain floats: the loaders read every bit where the Python ecosystem put it.
 * Prefill dequantizes tiles and is bit-for-bit the float model's (0 difference). Decode sums per group,
 * {@code s·Σ q·x − z·s·Σ x}, whose cancellation costs up to 1.5e-5 of the largest logit on these random models
 * (far below the 1e-4 a float32 engine shows against the float64 reference), hence the 2e-5 bound.
 */
class AwqGptqCheckpointTest {
    private static final double TOLERANCE = 2e-5;
    private static final int[] IDS = {1, 17, 250, 3, 99, 42, 300, 7, 128, 64, 5, 211};

    @TempDir
    Path tmp;

    static Stream<Arguments> schemes() {
        return Stream.of(
                Arguments.of("tiny-llama", Scheme.awq(16)),
                Arguments.of("tiny-llama", Scheme.gptq(4, 16, true, false)),
                Arguments.of("tiny-llama", Scheme.gptq(4, 16, false, false)),
                Arguments.of("tiny-llama", Scheme.gptq(4, -1, false, true)),
                Arguments.of("tiny-llama", Scheme.gptq(8, 16, false, true).withDescAct()),
                Arguments.of("tiny-llama", Scheme.gptq(4, 16, true, false).withLmHead().withDescAct()
                        .inQuantizeConfigFile()),
                Arguments.of("tiny-qwen2", Scheme.awq(32, "v_proj")),
                Arguments.of("tiny-qwen2", Scheme.gptq(4, 32, false, false).withDescAct()),
                Arguments.of("tiny-qwen2", Scheme.gptq(2, 32, false, true)),
                Arguments.of("tiny-qwen3", Scheme.awq(32)),
                Arguments.of("tiny-qwen3", Scheme.gptq(4, 32, false, true).withDescAct()),
                Arguments.of("tiny-llama3-scaled", Scheme.awq(32)),
                Arguments.of("tiny-llama3-scaled", Scheme.awq(-1)),
                Arguments.of("tiny-llama3-scaled", Scheme.gptq(4, 32, false, true).withDescAct()),
                Arguments.of("tiny-llama3-scaled", Scheme.gptq(8, -1, true, false).inQuantizeConfigFile()),
                Arguments.of("stories260K", Scheme.gptq(8, -1, false, true)),
                Arguments.of("stories260K", Scheme.gptq(8, -1, true, false).withDescAct()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("schemes")
    void packedCheckpointGivesTheLogitsOfItsDequantizedWeights(String model, Scheme scheme) throws Exception {
        Path quantDir = tmp.resolve("quant");
        Path floatDir = tmp.resolve("float");
        AwqGptqCheckpoints.write(Fixtures.model(model), scheme, quantDir, floatDir);
        try (LoadedModel quant = LoadedModel.open(quantDir); LoadedModel plain = LoadedModel.open(floatDir)) {
            var weights = quant.model().weights();
            assertThat(weights.layers()[0].q()).isInstanceOf(GroupIntLinear.class);
            assertThat(weights.layers()[0].v()).isInstanceOf(
                    scheme.quantizes("model.layers.0.self_attn.v_proj") ? GroupIntLinear.class : DenseLinear.class);
            assertThat(weights.lmHead()).isInstanceOf(scheme.quantizes("lm_head") ? GroupIntLinear.class : DenseLinear.class);
            assertClose("prefill", prefill(quant.model()), prefill(plain.model()));
            assertClose("decode", decode(quant.model()), decode(plain.model()));
        }
    }

    /**
     * stories260K's feed-forward width 172 is not a multiple of 8, so neither AWQ's qweight nor 4-bit GPTQ's qzeros
     * can hold those layers: loading says so instead of misreading.
     */
    @Test
    void fourBitCheckpointOfStories260KIsRejectedClearly() throws Exception {
        Path dir = tmp.resolve("stories-awq");
        Files.createDirectories(dir);
        Path source = Fixtures.model("stories260K");
        Files.copy(source.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(source.resolve("config.json").toFile());
        // attention (64 wide) stays float, so that the first quantized layer met is the 172-wide gate_proj
        config.set("quantization_config", Scheme.awq(-1, "self_attn").json());
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(config));
        try (LoadedModel m = LoadedModel.open(dir)) { // configs and tokenizer only: the CPU model is built on use
            assertThatThrownBy(m::model)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("model.layers.0.mlp.gate_proj: out_features 172 is not a multiple of 8");
        }
    }

    private static float[] prefill(LlamaModel model) {
        return model.forward(model.newState(32), IDS, 0, true);
    }

    private static float[] decode(LlamaModel model) {
        InferenceState state = model.newState(32);
        int vocab = model.config().vocabSize();
        float[] all = new float[IDS.length * vocab];
        for (int t = 0; t < IDS.length; t++) {
            System.arraycopy(model.forward(state, new int[] {IDS[t]}, t, false), 0, all, t * vocab, vocab);
        }
        return all;
    }

    private static void assertClose(String what, float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double maxAbs = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        assertThat(maxAbs).as(what + ": logits are not all zero").isGreaterThan(0);
        assertThat(maxDiff / maxAbs).as(what + ": max|diff| / max|logit|").isLessThanOrEqualTo(TOLERANCE);
    }
}
