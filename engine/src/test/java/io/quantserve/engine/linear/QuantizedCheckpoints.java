package io.quantserve.engine.linear;

import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.format.safetensors.SafetensorsWriter;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.linear.BnbNf4Packer.Packed;
import io.quantserve.engine.tensor.DType;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a fixture model twice: with its linear layers (q/k/v/o, gate/up/down) packed by a test packer and a
 * quantization_config in config.json, and as a plain F32 checkpoint of the weights the packed form stands for.
 * Embeddings, norms and lm_head stay as stored.
 */
final class QuantizedCheckpoints {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> LINEAR = List.of(".q_proj.weight", ".k_proj.weight", ".v_proj.weight",
            ".o_proj.weight", ".gate_proj.weight", ".up_proj.weight", ".down_proj.weight");

    @FunctionalInterface
    interface LayerPacker {
        Packed pack(String prefix, float[] w, int out, int in, DType storedAs);
    }

    private QuantizedCheckpoints() {
    }

    /** Writes {@code quantized} and {@code reference} model folders from the fixture folder {@code source}. */
    static void write(Path source, String quantizationConfig, LayerPacker packer, Path quantized, Path reference)
            throws Exception {
        Files.createDirectories(quantized);
        Files.createDirectories(reference);
        ObjectNode config = (ObjectNode) JSON.readTree(source.resolve("config.json").toFile());
        Files.copy(source.resolve("config.json"), reference.resolve("config.json"));
        config.set("quantization_config", JSON.readTree(quantizationConfig));
        JSON.writeValue(quantized.resolve("config.json").toFile(), config);

        SafetensorsWriter q = new SafetensorsWriter();
        SafetensorsWriter ref = new SafetensorsWriter();
        try (Checkpoint ckpt = Checkpoint.open(source)) {
            for (Tensor t : ckpt.tensors().values()) {
                if (LINEAR.stream().anyMatch(t.name()::endsWith)) {
                    String prefix = t.name().substring(0, t.name().length() - ".weight".length());
                    Packed p = packer.pack(prefix, t.toFloatArray(), t.dim(0), t.dim(1), t.dtype());
                    p.tensors().forEach((name, pt) -> q.add(name, pt.dtype(), pt.shape(), pt.bytes()));
                    ref.addF32(t.name(), t.shape(), p.dequantized());
                } else {
                    byte[] bytes = t.data().toArray(ValueLayout.JAVA_BYTE);
                    q.add(t.name(), t.dtype(), t.shape(), bytes);
                    ref.add(t.name(), t.dtype(), t.shape(), bytes);
                }
            }
        }
        q.write(quantized.resolve("model.safetensors"));
        ref.write(reference.resolve("model.safetensors"));
    }
}
