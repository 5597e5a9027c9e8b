package io.quantserve.engine.linear;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.linear.bnb.Nf4Config;
import io.quantserve.engine.linear.compressed.CompressedTensorsConfig;
import io.quantserve.engine.linear.compressed.W8A8Linear;
import io.quantserve.engine.linear.compressed.W8A8Linears;
import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaLoader;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The fixture models with their linear layers in bitsandbytes NF4 or compressed-tensors W8A8 checkpoints, loaded
 * through {@link LoadedModel#open} like the CLI does, against the same models with the weights those checkpoints
 * stand for written as plain float checkpoints.
 */
class QuantizedCheckpointTest {
    /** NF4 decodes to exactly the reference weights: only float summation order differs. */
    private static final double NF4_TOLERANCE = 1e-5;
    /**
     * W8A8 against a plain scalar model of the same integer arithmetic: the int32 sums are exact and the float
     * epilogue is the same, so the logits should agree to the bit; the bound only leaves room for nothing more.
     */
    private static final double W8A8_TOLERANCE = 1e-6;

    static Stream<Arguments> nf4Cases() {
        return Stream.of(
                Arguments.of("tiny-llama", 64, false),
                Arguments.of("tiny-llama", 64, true),
                Arguments.of("tiny-qwen2", 64, true),   // in 96: blocks run across rows
                Arguments.of("tiny-qwen2", 32, false),
                Arguments.of("tiny-llama3-scaled", 64, true),
                Arguments.of("stories260K", 64, true),  // down_proj in 172
                Arguments.of("stories260K", 512, false)); // 64 * 172 = 21.5 blocks: partial last block
    }

    @ParameterizedTest(name = "{0} blocksize {1} double quant {2}")
    @MethodSource("nf4Cases")
    void nf4CheckpointRunsLikeItsDequantizedWeights(String name, int blocksize, boolean doubleQuant,
            @TempDir Path tmp) throws Exception {
        String config = """
                {"quant_method": "bitsandbytes", "load_in_4bit": true, "load_in_8bit": false,
                 "bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": %s, "bnb_4bit_compute_dtype": "bfloat16",
                 "bnb_4bit_quant_storage": "uint8", "llm_int8_skip_modules": null}""".formatted(doubleQuant);
        Path quantized = tmp.resolve("nf4");
        Path reference = tmp.resolve("ref");
        QuantizedCheckpoints.write(Fixtures.model(name), config, (prefix, w, out, in, dtype) ->
                BnbNf4Packer.pack(prefix, w, out, in, blocksize, doubleQuant, dtypeName(dtype)), quantized, reference);
        try (LoadedModel q = LoadedModel.open(quantized); LoadedModel ref = LoadedModel.open(reference)) {
            assertThat(QuantizationConfigs.load(quantized)).isInstanceOf(Nf4Config.class);
            assertThat(q.model().weights().layers()[0].down()).isInstanceOf(PackedLinear.class);
            for (int[] ids : ids(name)) {
                double prefill = relativeError(prefill(q.model(), ids), prefill(ref.model(), ids));
                double decode = relativeError(decode(q.model(), ids), decode(ref.model(), ids));
                assertThat(prefill).as(name + " prefill of " + ids.length).isLessThanOrEqualTo(NF4_TOLERANCE);
                assertThat(decode).as(name + " decode of " + ids.length).isLessThanOrEqualTo(NF4_TOLERANCE);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2", "tiny-llama3-scaled", "stories260K"})
    void w8a8CheckpointRunsLikeAFloatModelWithQuantizedActivations(String name, @TempDir Path tmp) throws Exception {
        Path quantized = tmp.resolve("w8a8");
        Path reference = tmp.resolve("ref");
        QuantizedCheckpoints.write(Fixtures.model(name), W8A8Packer.CONFIG, W8A8Packer::pack, quantized, reference);
        try (LoadedModel q = LoadedModel.open(quantized); LoadedModel fp = LoadedModel.open(Fixtures.model(name));
                Checkpoint original = Checkpoint.open(Fixtures.model(name))) {
            assertThat(QuantizationConfigs.load(quantized)).isInstanceOf(CompressedTensorsConfig.class);
            assertThat(q.model().weights().layers()[0].down()).isInstanceOf(W8A8Linear.class);
            LlamaModel ref = LlamaLoader.load(fp.config(), original, new ScalarW8A8Reference());
            double worstVsFloat = 0;
            for (int[] ids : ids(name)) {
                float[] logits = prefill(q.model(), ids);
                double prefill = relativeError(logits, prefill(ref, ids));
                double decode = relativeError(decode(q.model(), ids), decode(ref, ids));
                assertThat(prefill).as(name + " prefill of " + ids.length).isLessThanOrEqualTo(W8A8_TOLERANCE);
                assertThat(decode).as(name + " decode of " + ids.length).isLessThanOrEqualTo(W8A8_TOLERANCE);
                worstVsFloat = Math.max(worstVsFloat, relativeError(logits, prefill(fp.model(), ids)));
            }
            System.out.printf("W8A8 %s: max|logit error| / max|logit| vs the unquantized model: %.4f%n", name,
                    worstVsFloat);
            // a loose sanity bound: per-token int8 activations of these random tiny models lose a few to 16 percent
            assertThat(worstVsFloat).as(name + " W8A8 vs float").isLessThan(0.3);
        }
    }

    /**
     * The W8A8 arithmetic written out plainly from the packer's own int8 weights and scales (not the loader's):
     * activations quantized per token, exact integer sums in a long, then acc * x_scale * w_scale in float.
     */
    private static final class ScalarW8A8Reference implements QuantizationConfig, LinearMethod {
        @Override
        public String name() {
            return "scalar w8a8 reference";
        }

        @Override
        public LinearMethod linearMethod(String prefix) {
            return prefix.equals("lm_head") ? Unquantized.INSTANCE : this;
        }

        @Override
        public Linear load(TensorSource source, String prefix, int in, int out) {
            var weight = source.tensor(prefix + ".weight");
            W8A8Packer.Int8Weights w = W8A8Packer.quantize(weight.toFloatArray(), out, in, weight.dtype());
            float[] bias = source.find(prefix + ".bias").map(t -> t.toFloatArray()).orElse(null);
            return new Linear() {
                @Override
                public int inFeatures() {
                    return in;
                }

                @Override
                public int outFeatures() {
                    return out;
                }

                @Override
                public void apply(float[] x, float[] y, int tokens) {
                    short[] q = new short[in];
                    for (int t = 0; t < tokens; t++) {
                        float xScale = W8A8Linears.quantizeActivations(x, t * in, in, q, 0);
                        for (int r = 0; r < out; r++) {
                            long acc = 0;
                            for (int k = 0; k < in; k++) {
                                acc += w.q()[r * in + k] * q[k];
                            }
                            y[t * out + r] = (int) acc * xScale * w.scales()[r] + (bias == null ? 0 : bias[r]);
                        }
                    }
                }

                @Override
                public long weightBytes() {
                    return (long) in * out;
                }
            };
        }
    }

    private static String dtypeName(io.quantserve.engine.tensor.DType dtype) {
        return switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        };
    }

    private static float[] prefill(LlamaModel model, int[] ids) {
        return model.forward(model.newState(64), ids, 0, true);
    }

    private static float[] decode(LlamaModel model, int[] ids) {
        int vocab = model.config().vocabSize();
        InferenceState state = model.newState(64);
        float[] all = new float[ids.length * vocab];
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(model.forward(state, new int[] {ids[t]}, t, false), 0, all, t * vocab, vocab);
        }
        return all;
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

    /** The golden sequences' token ids (the longest cut to 24 tokens to keep decode runs short). */
    private static List<int[]> ids(String name) throws Exception {
        JsonNode json = new ObjectMapper().readTree(Fixtures.model(name).resolve("golden.json").toFile());
        List<int[]> out = new ArrayList<>();
        for (JsonNode seq : json.get("sequences")) {
            JsonNode ids = seq.get("ids");
            int[] v = new int[Math.min(24, ids.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = ids.get(i).asInt();
            }
            out.add(v);
        }
        if (out.isEmpty()) {
            throw new IllegalStateException(name + ": golden.json has no sequences");
        }
        return out;
    }
}
