package io.quantserve.engine.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The hyper-parameters of a Llama-family decoder, read from a Hugging Face {@code config.json}.
 *
 * @param headDim          per-head width; {@code hidden / heads} unless {@code head_dim} is given
 * @param attentionBias    q/k/v projections carry biases (always for Qwen2, {@code attention_bias} for Llama)
 * @param slidingWindow    attention looks back at most this many tokens, 0 = unlimited
 * @param maxPositions     {@code max_position_embeddings}
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        float rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositions,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        int slidingWindow,
        int bosTokenId,
        List<Integer> eosTokenIds) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelConfig {
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads
                    + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim " + headDim + " must be even for rotary embeddings");
        }
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    /** Queries and keys are RMS-normalised per head before rotary embedding (Qwen3's q_norm and k_norm). */
    public boolean qkNorm() {
        return architecture == Architecture.QWEN3;
    }

    /** The same model cut to one decoder layer of the given intermediate size: how a single layer is run alone. */
    public ModelConfig singleLayer(int intermediate) {
        return new ModelConfig(architecture, hiddenSize, intermediate, 1, numHeads, numKvHeads, headDim, vocabSize,
                rmsNormEps, ropeTheta, ropeScaling, maxPositions, tieWordEmbeddings, attentionBias, slidingWindow,
                bosTokenId, eosTokenIds);
    }

    /** The same model with or without tied input and output embeddings. */
    public ModelConfig withTiedEmbeddings(boolean tied) {
        return new ModelConfig(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                vocabSize, rmsNormEps, ropeTheta, ropeScaling, maxPositions, tied, attentionBias, slidingWindow,
                bosTokenId, eosTokenIds);
    }

    public static ModelConfig load(Path modelDir) throws IOException {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(modelDir + ": no config.json");
        }
        JsonNode json;
        try {
            json = JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        try {
            return fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    static ModelConfig fromJson(JsonNode json) {
        JsonNode architectures = json.get("architectures");
        if (architectures == null || !architectures.isArray() || architectures.isEmpty()) {
            throw new IllegalArgumentException("missing \"architectures\"");
        }
        Architecture arch = Architecture.fromHfName(architectures.get(0).asString());
        int hidden = requiredInt(json, "hidden_size");
        int heads = requiredInt(json, "num_attention_heads");
        int kvHeads = json.hasNonNull("num_key_value_heads") ? json.get("num_key_value_heads").asInt() : heads;
        int headDim = json.hasNonNull("head_dim") ? json.get("head_dim").asInt() : hidden / heads;
        boolean bias = arch == Architecture.QWEN2 || json.path("attention_bias").asBoolean(false);
        if (json.path("mlp_bias").asBoolean(false)) {
            throw new IllegalArgumentException("\"mlp_bias\": true is not supported");
        }
        String act = json.path("hidden_act").asString("silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException("unsupported hidden_act '" + act + "' (only silu)");
        }
        int window = 0;
        if (json.hasNonNull("sliding_window")
                && (arch == Architecture.MISTRAL || json.path("use_sliding_window").asBoolean(false))) {
            window = json.get("sliding_window").asInt();
        }
        return new ModelConfig(
                arch,
                hidden,
                requiredInt(json, "intermediate_size"),
                requiredInt(json, "num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                requiredInt(json, "vocab_size"),
                (float) json.path("rms_norm_eps").asDouble(1e-6),
                json.path("rope_theta").asDouble(10000.0),
                ropeScaling(json.get("rope_scaling")),
                json.path("max_position_embeddings").asInt(2048),
                json.path("tie_word_embeddings").asBoolean(false),
                bias,
                window,
                json.path("bos_token_id").asInt(1),
                tokenIds(json.get("eos_token_id")));
    }

    /** {@code eos_token_id} may be a number, a list of numbers or absent. */
    static List<Integer> tokenIds(JsonNode node) {
        List<Integer> ids = new ArrayList<>();
        if (node == null || node.isNull()) {
            return ids;
        }
        if (node.isArray()) {
            node.forEach(n -> ids.add(n.asInt()));
        } else {
            ids.add(node.asInt());
        }
        return ids;
    }

    private static RopeScaling ropeScaling(JsonNode node) {
        if (node == null || node.isNull()) {
            return new RopeScaling.None();
        }
        String type = node.hasNonNull("rope_type") ? node.get("rope_type").asString() : node.path("type").asString("");
        return switch (type) {
            case "default" -> new RopeScaling.None();
            case "linear" -> new RopeScaling.Linear(requiredDouble(node, "factor"));
            case "llama3" -> new RopeScaling.Llama3(
                    requiredDouble(node, "factor"),
                    requiredDouble(node, "low_freq_factor"),
                    requiredDouble(node, "high_freq_factor"),
                    requiredInt(node, "original_max_position_embeddings"));
            default -> throw new IllegalArgumentException("unsupported rope_scaling type '" + type
                    + "' (supported: linear, llama3)");
        };
    }

    private static int requiredInt(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("missing or non-numeric \"" + field + "\"");
        }
        return v.asInt();
    }

    private static double requiredDouble(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("missing or non-numeric \"" + field + "\"");
        }
        return v.asDouble();
    }
}
