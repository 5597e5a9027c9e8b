package io.quantserve.engine.quant.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.format.safetensors.SafetensorsWriter;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.linear.AwqConfig;
import io.quantserve.engine.linear.GptqConfig;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.linear.PackedLinear;
import io.quantserve.engine.linear.QuantizationConfigs;
import io.quantserve.engine.linear.bnb.Nf4Config;
import io.quantserve.engine.linear.compressed.CompressedTensorsConfig;
import io.quantserve.engine.linear.compressed.W8A8Linear;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LlamaWeights;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.quant.QuantizedWeight;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.testing.Fixtures;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fixture models with every linear layer written by a packer (and config.json carrying the matching
 * quantization_config), loaded back through {@link LoadedModel#open}: each layer reconstructs the weight the packer
 * was given, and the model gives the logits of a plain float checkpoint of those weights.
 */
class CheckpointRoundTripTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> LINEAR = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");
    private static final int[] IDS = {1, 17, 250, 3, 99, 42, 300, 7, 128, 64, 5, 211};
    /** Quantized vs its dequantized float twin: both run the same weights, only summation order differs. */
    private static final double LOGIT_TOLERANCE = 2e-5;

    @TempDir
    Path tmp;

    /** One layer as written, and the float weight [out, in] a reader must reconstruct from it. */
    private record Written(Map<String, PackedTensor> tensors, float[] expected) {
    }

    @FunctionalInterface
    private interface LayerPacker {
        Written pack(String prefix, float[] w, int out, int in, DType dtype);
    }

    static Stream<Arguments> integerSchemes() {
        return Stream.of(
                Arguments.of("awq", "tiny-llama", 4, 16, false, false),
                Arguments.of("awq", "tiny-qwen2", 4, 32, false, false),
                Arguments.of("awq", "tiny-qwen3", 4, 32, false, false),
                Arguments.of("awq", "tiny-llama", 4, -1, true, false),
                Arguments.of("gptq", "tiny-qwen2", 4, 32, false, false),
                Arguments.of("gptq", "tiny-qwen2", 4, 32, true, true),
                Arguments.of("gptq", "tiny-llama", 4, -1, false, false),
                Arguments.of("gptq", "tiny-qwen2", 2, 32, false, false),
                Arguments.of("gptq", "tiny-llama", 8, 16, true, true),
                Arguments.of("gptq", "tiny-llama3-scaled", 8, 32, false, true));
    }

    @ParameterizedTest(name = "{0} {1} {2}-bit group {3} sym {4} act-order {5}")
    @MethodSource("integerSchemes")
    void integerCheckpointLoadsAsTheQuantizedWeights(String method, String model, int bits, int groupSize,
            boolean sym, boolean actOrder) throws Exception {
        Random rnd = new Random(7);
        boolean awq = method.equals("awq");
        ObjectNode config = awq ? QuantizationConfigJson.awq(groupSize, List.of())
                : QuantizationConfigJson.gptq(bits, groupSize, actOrder, sym, 0.01, true);
        Map<String, float[]> expected = write(Fixtures.model(model), config, (prefix, w, out, in, dtype) -> {
            int width = groupSize == -1 ? in : groupSize;
            QuantizedWeight qw = RtnWeights.quantize(w, out, in, bits, width, sym, actOrder, awq ? 0 : 1, rnd);
            return new Written(awq ? AwqGemmPacker.pack(prefix, qw) : GptqPacker.pack(prefix, qw),
                    RtnWeights.expected(qw));
        });
        assertThat(QuantizationConfigs.load(tmp.resolve("quant")))
                .isInstanceOf(awq ? AwqConfig.class : GptqConfig.class);
        checkLayersAndLogits(expected);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"tiny-llama", "tiny-qwen2", "stories260K"})
    void nf4CheckpointIsWhatBitsandbytesWritesAndLoadsBack(String model) throws Exception {
        Map<String, float[]> expected = write(Fixtures.model(model), QuantizationConfigJson.bnbNf4("bfloat16", List.of()),
                (prefix, w, out, in, dtype) -> {
                    Map<String, PackedTensor> mine = Nf4Packer.pack(prefix, w, out, in, dtype);
                    // the test-side packer follows bitsandbytes independently: same tensors, same bytes
                    var theirs = io.quantserve.engine.linear.BnbNf4Packer.pack(prefix, w, out, in, 64, true,
                            torchName(dtype));
                    assertThat(mine.keySet()).containsExactlyInAnyOrderElementsOf(theirs.tensors().keySet());
                    theirs.tensors().forEach((name, t) -> {
                        if (!name.endsWith("bitsandbytes__nf4")) {
                            assertThat(mine.get(name).bytes()).as(name).isEqualTo(t.bytes());
                            assertThat(mine.get(name).shape()).as(name).isEqualTo(t.shape());
                            assertThat(mine.get(name).dtype()).as(name).isEqualTo(t.dtype());
                        }
                    });
                    return new Written(mine, theirs.dequantized());
                });
        assertThat(QuantizationConfigs.load(tmp.resolve("quant"))).isInstanceOf(Nf4Config.class);
        checkLayersAndLogits(expected);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = DType.class, names = {"F32", "BF16"})
    void w8a8CheckpointIsWhatLlmCompressorWritesAndLoadsBack(DType scaleDtype) throws Exception {
        write(Fixtures.model("tiny-llama"), QuantizationConfigJson.w8a8(List.of("lm_head")),
                (prefix, w, out, in, dtype) -> {
                    Map<String, PackedTensor> mine = W8A8Packer.pack(prefix, w, out, in, scaleDtype);
                    var theirs = io.quantserve.engine.linear.W8A8Packer.pack(prefix, w, out, in, scaleDtype);
                    theirs.tensors().forEach((name, t) -> {
                        assertThat(mine.get(name).bytes()).as(name).isEqualTo(t.bytes());
                        assertThat(mine.get(name).shape()).as(name).isEqualTo(t.shape());
                    });
                    assertThat(mine).hasSameSizeAs(theirs.tensors());
                    return new Written(mine, theirs.dequantized());
                });
        assertThat(QuantizationConfigs.load(tmp.resolve("quant"))).isInstanceOf(CompressedTensorsConfig.class);
        try (LoadedModel q = LoadedModel.open(tmp.resolve("quant")); LoadedModel ref = LoadedModel.open(tmp.resolve("ref"))) {
            for (LlamaWeights.Layer layer : q.model().weights().layers()) {
                assertThat(layer.q()).isInstanceOf(W8A8Linear.class);
                assertThat(layer.down()).isInstanceOf(W8A8Linear.class);
            }
            // per-token int8 activations come on top of the weights: a loose bound (measured in QuantizedCheckpointTest)
            double err = relativeError(prefill(q.model()), prefill(ref.model()));
            System.out.printf("W8A8 (%s scales) vs dequantized float: %.3e%n", scaleDtype, err);
            assertThat(err).isLessThan(0.3);
        }
    }

    @Test
    void gptqRefusesWhatV1CannotStore() {
        QuantizedWeight zeroZero = new QuantizedWeight(4, 8, 8, 8, new int[64], new float[8], new float[8],
                QuantizedWeight.sequentialGroups(8, 8), false);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GptqPacker.pack("model.layers.0.mlp.up_proj", zeroZero))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model.layers.0.mlp.up_proj").hasMessageContaining("zero point 0");
        QuantizedWeight threeBit = new QuantizedWeight(3, 8, 8, 32, new int[256], new float[32], new float[32],
                QuantizedWeight.sequentialGroups(32, 8), true);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GptqPacker.pack("lm", threeBit))
                .hasMessageContaining("bits 3");
        float[] half = new float[8];
        java.util.Arrays.fill(half, 0.5f);
        QuantizedWeight fractional = new QuantizedWeight(4, 8, 8, 8, new int[64], new float[8], half,
                QuantizedWeight.sequentialGroups(8, 8), false);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GptqPacker.pack("x.proj", fractional))
                .hasMessageContaining("x.proj: zero point 0.5");
    }

    @Test
    void awqRefusesWhatGemmCannotStore() {
        QuantizedWeight narrow = new QuantizedWeight(4, 8, 4, 8, new int[32], new float[4], new float[4],
                QuantizedWeight.sequentialGroups(8, 8), false);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AwqGemmPacker.pack("model.layers.1.self_attn.k_proj", narrow))
                .hasMessageContaining("model.layers.1.self_attn.k_proj: out_features 4 is not a multiple of 8");
        int[] shuffled = {1, 0};
        QuantizedWeight actOrder = new QuantizedWeight(4, 1, 8, 2, new int[16], new float[16], new float[16],
                shuffled, false);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AwqGemmPacker.pack("p", actOrder))
                .hasMessageContaining("act-order");
        QuantizedWeight eightBit = new QuantizedWeight(8, 8, 8, 8, new int[64], new float[8], new float[8],
                QuantizedWeight.sequentialGroups(8, 8), true);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AwqGemmPacker.pack("p", eightBit))
                .hasMessageContaining("bits 8");
    }

    /** Every loaded linear layer reconstructs its expected weight, and the logits match the float twin. */
    private void checkLayersAndLogits(Map<String, float[]> expected) throws Exception {
        try (LoadedModel q = LoadedModel.open(tmp.resolve("quant")); LoadedModel ref = LoadedModel.open(tmp.resolve("ref"))) {
            LlamaWeights.Layer[] layers = q.model().weights().layers();
            for (int i = 0; i < layers.length; i++) {
                LlamaWeights.Layer l = layers[i];
                Linear[] linears = {l.q(), l.k(), l.v(), l.o(), l.gate(), l.up(), l.down()};
                for (int j = 0; j < linears.length; j++) {
                    String name = "model.layers." + i + "." + (j < 4 ? "self_attn." : "mlp.") + LINEAR.get(j);
                    assertThat(linears[j]).as(name).isInstanceOf(PackedLinear.class);
                    assertSameWeights(name, ((PackedLinear) linears[j]).dequantize(), expected.get(name));
                }
            }
            double prefill = relativeError(prefill(q.model()), prefill(ref.model()));
            double decode = relativeError(decode(q.model()), decode(ref.model()));
            System.out.printf("logits vs dequantized float twin: prefill %.2e, decode %.2e%n", prefill, decode);
            assertThat(prefill).isLessThanOrEqualTo(LOGIT_TOLERANCE);
            assertThat(decode).isLessThanOrEqualTo(LOGIT_TOLERANCE);
        }
    }

    /**
     * Equal up to the reader's own float arithmetic: GroupIntLinear computes q·s − z·s where the expectation is
     * (q − z)·s: three roundings of values up to about twice the largest weight, so at most 8 ulps of it (NF4 and the
     * rest are bit-exact).
     */
    private static void assertSameWeights(String name, float[] actual, float[] expected) {
        assertThat(actual).as(name).hasSameSizeAs(expected);
        double maxAbs = 0;
        for (float e : expected) {
            maxAbs = Math.max(maxAbs, Math.abs(e));
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst).as(name + " max |Δw|").isLessThanOrEqualTo(8 * (double) Math.ulp((float) maxAbs));
    }

    /** Writes tmp/quant (packed, with config) and tmp/ref (the expected weights as F32); returns them by layer. */
    private Map<String, float[]> write(Path source, ObjectNode quantizationConfig, LayerPacker packer) throws Exception {
        Path quant = Files.createDirectories(tmp.resolve("quant"));
        Path ref = Files.createDirectories(tmp.resolve("ref"));
        Map<String, float[]> expected = new HashMap<>();
        SafetensorsWriter q = new SafetensorsWriter();
        SafetensorsWriter r = new SafetensorsWriter();
        try (Checkpoint ckpt = Checkpoint.open(source)) {
            for (Tensor t : ckpt.tensors().values()) {
                String prefix = t.name().endsWith(".weight") ? t.name().substring(0, t.name().length() - 7) : "";
                if (prefix.startsWith("model.layers.") && LINEAR.stream().anyMatch(p -> prefix.endsWith("." + p))) {
                    Written w = packer.pack(prefix, t.toFloatArray(), t.dim(0), t.dim(1), t.dtype());
                    PackedTensor.addAll(q, w.tensors());
                    r.addF32(t.name(), t.shape(), w.expected());
                    expected.put(prefix, w.expected());
                } else {
                    byte[] bytes = t.data().toArray(ValueLayout.JAVA_BYTE);
                    q.add(t.name(), t.dtype(), t.shape(), bytes);
                    r.add(t.name(), t.dtype(), t.shape(), bytes);
                }
            }
        }
        q.write(quant.resolve("model.safetensors"));
        r.write(ref.resolve("model.safetensors"));
        ObjectNode config = (ObjectNode) JSON.readTree(source.resolve("config.json").toFile());
        Files.writeString(ref.resolve("config.json"), JSON.writeValueAsString(config));
        config.set("quantization_config", quantizationConfig);
        Files.writeString(quant.resolve("config.json"), JSON.writeValueAsString(config));
        return expected;
    }

    private static String torchName(DType dtype) {
        return switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        };
    }

    private static int[] ids(LlamaModel model) {
        int vocab = model.config().vocabSize();
        return java.util.Arrays.stream(IDS).map(id -> id % vocab).toArray();
    }

    private static float[] prefill(LlamaModel model) {
        return model.forward(model.newState(64), ids(model), 0, true);
    }

    private static float[] decode(LlamaModel model) {
        int[] ids = ids(model);
        int vocab = model.config().vocabSize();
        var state = model.newState(64);
        float[] all = new float[ids.length * vocab];
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(model.forward(state, new int[] {ids[t]}, t, false), 0, all, t * vocab, vocab);
        }
        return all;
    }

    static double relativeError(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double maxAbs = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        return maxDiff / maxAbs;
    }
}
