package io.quantserve.engine.chat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The chat-related fields of a Hugging Face model folder: {@code tokenizer_config.json}'s
 * {@code chat_template}, {@code bos_token}, {@code eos_token}, and a standalone
 * {@code chat_template.jinja} (newer transformers save the template there, and it wins).
 *
 * @param chatTemplate the template source, or null when the model has none
 * @param bosToken null when not configured
 * @param eosToken null when not configured
 */
record TokenizerConfig(String chatTemplate, String bosToken, String eosToken) {

    static final String FILE = "tokenizer_config.json";
    static final String JINJA_FILE = "chat_template.jinja";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the model folder; a folder without either file yields all-null fields. */
    static TokenizerConfig read(Path modelDir) {
        Path configFile = modelDir.resolve(FILE);
        String template = null;
        String bos = null;
        String eos = null;
        if (Files.isRegularFile(configFile)) {
            JsonNode root;
            try {
                root = JSON.readTree(Files.readString(configFile));
            } catch (IOException | JacksonException e) {
                throw new ChatTemplateException("cannot read " + configFile + ": " + e.getMessage(), e);
            }
            if (!root.isObject()) {
                throw new ChatTemplateException(configFile + ": expected a JSON object");
            }
            template = chatTemplate(root.get("chat_template"), configFile);
            bos = token(root.get("bos_token"), "bos_token", configFile);
            eos = token(root.get("eos_token"), "eos_token", configFile);
        }
        Path jinjaFile = modelDir.resolve(JINJA_FILE);
        if (Files.isRegularFile(jinjaFile)) {
            try {
                template = Files.readString(jinjaFile);
            } catch (IOException e) {
                throw new ChatTemplateException("cannot read " + jinjaFile + ": " + e.getMessage(), e);
            }
        }
        return new TokenizerConfig(template, bos, eos);
    }

    /** A string, or (for models shipping several) a list of {name, template} where "default" is used. */
    private static String chatTemplate(JsonNode node, Path file) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isString()) {
            return node.stringValue();
        }
        if (node.isArray()) {
            for (JsonNode entry : node) {
                if ("default".equals(entry.path("name").asString(null)) && entry.path("template").isString()) {
                    return entry.get("template").stringValue();
                }
            }
            throw new ChatTemplateException(file + ": chat_template lists named templates but none is named \"default\"");
        }
        throw new ChatTemplateException(file + ": chat_template must be a string or a list of {name, template}");
    }

    /** Special tokens are plain strings or serialized AddedToken objects {"content": ...}. */
    private static String token(JsonNode node, String field, Path file) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isString()) {
            return node.stringValue();
        }
        if (node.isObject() && node.path("content").isString()) {
            return node.get("content").stringValue();
        }
        throw new ChatTemplateException(file + ": " + field + " must be a string or an object with \"content\"");
    }
}
