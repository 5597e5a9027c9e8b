package io.quantserve.engine.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The model author's generation defaults ({@code generation_config.json}); absent fields are null so callers can
 * tell "not set" from a value.
 */
public record GenerationConfig(
        List<Integer> eosTokenIds,
        Boolean doSample,
        Float temperature,
        Float topP,
        Integer topK,
        Float minP,
        Float repetitionPenalty,
        Integer maxNewTokens) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static GenerationConfig none() {
        return new GenerationConfig(List.of(), null, null, null, null, null, null, null);
    }

    public static GenerationConfig load(Path modelDir) throws IOException {
        Path file = modelDir.resolve("generation_config.json");
        if (!Files.isRegularFile(file)) {
            return none();
        }
        JsonNode json;
        try {
            json = JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        return new GenerationConfig(
                ModelConfig.tokenIds(json.get("eos_token_id")),
                json.hasNonNull("do_sample") ? json.get("do_sample").asBoolean() : null,
                floatOrNull(json, "temperature"),
                floatOrNull(json, "top_p"),
                json.hasNonNull("top_k") ? json.get("top_k").asInt() : null,
                floatOrNull(json, "min_p"),
                floatOrNull(json, "repetition_penalty"),
                json.hasNonNull("max_new_tokens") ? json.get("max_new_tokens").asInt() : null);
    }

    private static Float floatOrNull(JsonNode json, String field) {
        return json.hasNonNull(field) ? (float) json.get(field).asDouble() : null;
    }
}
