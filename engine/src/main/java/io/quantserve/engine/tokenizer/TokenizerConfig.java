package io.quantserve.engine.tokenizer;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The BOS/EOS settings a Hugging Face model folder states outside the tokenizer file itself:
 * {@code tokenizer_config.json} ({@code add_bos_token}, {@code add_eos_token}, {@code bos_token},
 * {@code eos_token}; the tokens as plain strings or {@code {"content": ...}} objects) and
 * {@code generation_config.json} ({@code eos_token_id}, an int or a list — Llama 3 instruct
 * models end turns with a second EOS there).
 */
record TokenizerConfig(Optional<Boolean> addBos, Optional<Boolean> addEos, Optional<String> bosToken,
                       Optional<String> eosToken, List<Integer> generationEosIds) {

    static final ObjectMapper JSON = new ObjectMapper();

    static TokenizerConfig none() {
        return new TokenizerConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), List.of());
    }

    static TokenizerConfig read(Path dir) throws IOException {
        if (dir == null) {
            return none();
        }
        Optional<Boolean> addBos = Optional.empty();
        Optional<Boolean> addEos = Optional.empty();
        Optional<String> bos = Optional.empty();
        Optional<String> eos = Optional.empty();
        JsonNode config = readJson(dir.resolve("tokenizer_config.json"));
        if (config != null) {
            addBos = bool(config.get("add_bos_token"));
            addEos = bool(config.get("add_eos_token"));
            bos = tokenString(config.get("bos_token"));
            eos = tokenString(config.get("eos_token"));
        }
        List<Integer> genEos = new ArrayList<>();
        JsonNode generation = readJson(dir.resolve("generation_config.json"));
        if (generation != null && generation.get("eos_token_id") != null) {
            JsonNode ids = generation.get("eos_token_id");
            if (ids.isArray()) {
                ids.forEach(n -> genEos.add(n.asInt()));
            } else if (ids.isNumber()) {
                genEos.add(ids.asInt());
            }
        }
        return new TokenizerConfig(addBos, addEos, bos, eos, List.copyOf(genEos));
    }

    static JsonNode readJson(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new TokenizerFormatException(file, "invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Optional<Boolean> bool(JsonNode n) {
        return n != null && n.isBoolean() ? Optional.of(n.asBoolean()) : Optional.empty();
    }

    /** A token given as "text" or {"content": "text", ...}. */
    static Optional<String> tokenString(JsonNode n) {
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (n.isString()) {
            return Optional.of(n.asString());
        }
        if (n.isObject() && n.get("content") != null && n.get("content").isString()) {
            return Optional.of(n.get("content").asString());
        }
        return Optional.empty();
    }
}
