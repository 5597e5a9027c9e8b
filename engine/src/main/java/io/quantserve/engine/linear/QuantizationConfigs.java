package io.quantserve.engine.linear;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads how a Hugging Face checkpoint is quantized: {@code quantization_config} in config.json, or the older
 * {@code quantize_config.json} of AutoGPTQ. No quantization section means {@link Unquantized}.
 */
public final class QuantizationConfigs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private QuantizationConfigs() {
    }

    public static QuantizationConfig load(Path modelDir) throws IOException {
        JsonNode section = JSON.readTree(modelDir.resolve("config.json").toFile()).get("quantization_config");
        Path where = modelDir.resolve("config.json");
        if (section == null || section.isNull()) {
            Path gptqFile = modelDir.resolve("quantize_config.json");
            if (!Files.isRegularFile(gptqFile)) {
                return Unquantized.INSTANCE;
            }
            section = JSON.readTree(gptqFile.toFile());
            where = gptqFile;
        }
        try {
            return parse(section);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": quantization_config: " + e.getMessage(), e);
        }
    }

    static QuantizationConfig parse(JsonNode section) {
        // AutoGPTQ's quantize_config.json has no quant_method; its fields say GPTQ
        String method = section.hasNonNull("quant_method") ? section.get("quant_method").asString() : "gptq";
        switch (method) {
            case "awq":
                return AwqConfig.from(section);
            case "gptq":
                return GptqConfig.from(section);
            case "bitsandbytes":
                return io.quantserve.engine.linear.bnb.Nf4Config.from(section);
            case "compressed-tensors":
                return io.quantserve.engine.linear.compressed.CompressedTensorsConfig.from(section);
            default:
                throw unsupported(method);
        }
    }

    private static IllegalArgumentException unsupported(String method) {
        return new IllegalArgumentException("unsupported quant_method '" + method
                + "' (supported: awq, gptq, bitsandbytes nf4, compressed-tensors w8a8)");
    }
}
