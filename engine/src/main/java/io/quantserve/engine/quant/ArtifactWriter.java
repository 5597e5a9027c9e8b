package io.quantserve.engine.quant;

import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.format.safetensors.SafetensorsWriter;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.quant.write.AwqGemmPacker;
import io.quantserve.engine.quant.write.GptqPacker;
import io.quantserve.engine.quant.write.Nf4Packer;
import io.quantserve.engine.quant.write.PackedTensor;
import io.quantserve.engine.quant.write.QuantizationConfigJson;
import io.quantserve.engine.quant.write.W8A8Packer;
import io.quantserve.engine.tensor.DType;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Assembles a quantized Hugging Face checkpoint: each finished layer is packed in the method's format as it
 * arrives, the untouched tensors (embeddings, final norm, lm_head) are copied, and {@code config.json} gains the
 * format's {@code quantization_config}. 3-bit codes are stored in the 4-bit layouts (the codes, zeros and scales
 * are the 3-bit ones, so the model computes exactly the 3-bit result; only the storage is 4-bit), since no loader
 * reads AutoGPTQ's word-crossing 3-bit packing.
 */
final class ArtifactWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> COPIED_FILES = List.of("generation_config.json", "tokenizer.json",
            "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja");

    private final Path modelDir;
    private final ModelConfig config;
    private final QuantizeOptions options;
    private final int intermediate;
    private final DType dtype;
    private final Map<String, PackedTensor> tensors = new LinkedHashMap<>();
    private boolean zeroPointOfZero;

    ArtifactWriter(Path modelDir, ModelConfig config, Checkpoint source, QuantizeOptions options, int intermediate) {
        this.modelDir = modelDir;
        this.config = config;
        this.options = options;
        this.intermediate = intermediate;
        this.dtype = source.tensor("model.layers.0.self_attn.q_proj.weight").dtype();
        for (Tensor t : source.tensors().values()) {
            if (!t.name().startsWith("model.layers.")) {
                tensors.put(t.name(), new PackedTensor(t.dtype(), t.shape(), t.data().toArray(ValueLayout.JAVA_BYTE)));
            }
        }
    }

    void add(QuantizedLayer layer) {
        String p = DecoderLayer.prefix(layer.index());
        int hidden = config.hiddenSize();
        tensors.put(p + ".input_layernorm.weight", PackedTensor.floats(dtype, layer.attentionNorm(), hidden));
        tensors.put(p + ".post_attention_layernorm.weight", PackedTensor.floats(dtype, layer.ffnNorm(), hidden));
        if (layer.qNorm() != null) {
            int headDim = config.headDim();
            tensors.put(p + ".self_attn.q_norm.weight", PackedTensor.floats(dtype, layer.qNorm(), headDim));
            tensors.put(p + ".self_attn.k_norm.weight", PackedTensor.floats(dtype, layer.kNorm(), headDim));
        }
        for (QuantizedLayer.Linear l : layer.linears().values()) {
            tensors.putAll(pack(l));
            if (l.bias() != null) {
                tensors.put(l.name() + ".bias", PackedTensor.floats(dtype, l.bias(), l.out()));
            }
        }
    }

    private Map<String, PackedTensor> pack(QuantizedLayer.Linear l) {
        return switch (options.method()) {
            case AWQ -> AwqGemmPacker.pack(l.name(), stored(l.codes()));
            case RTN, GPTQ, HQQ -> {
                QuantizedWeight w = stored(l.codes());
                for (float z : w.zeros()) {
                    zeroPointOfZero |= z == 0;
                }
                yield GptqPacker.pack(l.name(), w, true);
            }
            case NF4 -> Nf4Packer.pack(l.name(), l.weight(), l.out(), l.in(), dtype);
            case SMOOTHQUANT -> W8A8Packer.pack(l.name(), l.weight(), l.out(), l.in(), DType.F32);
            case GGUF -> throw new IllegalStateException("gguf is written by the GGUF exporter");
        };
    }

    /** The codes in the layout's bit width: 3-bit codes go into 4-bit fields unchanged. */
    private static QuantizedWeight stored(QuantizedWeight w) {
        if (w.bits() != 3) {
            return w;
        }
        return new QuantizedWeight(4, w.groupSize(), w.out(), w.in(), w.q(), w.scales(), w.zeros(), w.gIdx(), false);
    }

    /** Writes model.safetensors, config.json and the copied tokenizer/generation files into {@code dir}. */
    void write(Path dir) throws IOException {
        if (options.method().format().equals("gptq") && !zeroPointOfZero) {
            toV1();
        }
        SafetensorsWriter writer = new SafetensorsWriter();
        PackedTensor.addAll(writer, tensors);
        writer.write(dir.resolve("model.safetensors"));

        ObjectNode cfg = (ObjectNode) JSON.readTree(modelDir.resolve("config.json").toFile());
        if (intermediate != config.intermediateSize()) {
            cfg.put("intermediate_size", intermediate);
        }
        cfg.set("quantization_config", quantizationConfig());
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), cfg);
        for (String name : COPIED_FILES) {
            if (Files.isRegularFile(modelDir.resolve(name))) {
                Files.copy(modelDir.resolve(name), dir.resolve(name));
            }
        }
    }

    /**
     * Layers are packed as gptq_v2 (zeros as they are) because a zero point of 0 may turn up in any layer; when none
     * did, every qzeros field is lowered by one to AutoGPTQ's v1 convention, which more loaders read. All fields
     * are then >= 1, so one subtraction per word borrows nothing.
     */
    private void toV1() {
        int bits = options.bits() == 3 ? 4 : options.bits();
        int ones = 0;
        for (int i = 0; i < 32; i += bits) {
            ones |= 1 << i;
        }
        for (Map.Entry<String, PackedTensor> e : tensors.entrySet()) {
            if (e.getKey().endsWith(".qzeros")) {
                java.nio.IntBuffer words = java.nio.ByteBuffer.wrap(e.getValue().bytes())
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer();
                for (int i = 0; i < words.limit(); i++) {
                    words.put(i, words.get(i) - ones);
                }
            }
        }
    }

    private ObjectNode quantizationConfig() {
        int bits = options.bits() == 3 ? 4 : options.bits();
        return switch (options.method()) {
            case AWQ -> QuantizationConfigJson.awq(options.groupSize(), new ArrayList<>());
            case RTN, GPTQ, HQQ -> QuantizationConfigJson.gptq(bits, options.groupSize(), options.descAct(),
                    options.symmetric(), 0.01, options.method() == Method.GPTQ, zeroPointOfZero);
            case NF4 -> QuantizationConfigJson.bnbNf4(torchDtype(), List.of());
            case SMOOTHQUANT -> QuantizationConfigJson.w8a8(List.of("lm_head"));
            case GGUF -> throw new IllegalStateException("gguf has no quantization_config");
        };
    }

    private String torchDtype() {
        return switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        };
    }
}
