package io.quantserve.engine.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Speculative decoding by n-gram matching (vLLM's {@code --speculative-config '{"method": "ngram", ...}'}, "prompt
 * lookup decoding"): each decode step verifies up to {@code numSpeculativeTokens} tokens proposed by
 * {@link NgramProposer} along with the sequence's next token, in one forward.
 *
 * @param numSpeculativeTokens tokens proposed per step at most
 * @param promptLookupMin      shortest n-gram at the end of the sequence that is looked up
 * @param promptLookupMax      longest
 */
public record SpeculativeConfig(int numSpeculativeTokens, int promptLookupMin, int promptLookupMax) {
    /** Drafted tokens per step at most: more would be rows of logits that are almost never used. */
    public static final int MAX_SPECULATIVE_TOKENS = 64;

    private static final Set<String> FIELDS = Set.of("method", "num_speculative_tokens", "prompt_lookup_min",
            "prompt_lookup_max");

    public SpeculativeConfig {
        if (numSpeculativeTokens < 1 || numSpeculativeTokens > MAX_SPECULATIVE_TOKENS) {
            throw new IllegalArgumentException("speculative config: num_speculative_tokens must be 1-"
                    + MAX_SPECULATIVE_TOKENS + ", got " + numSpeculativeTokens);
        }
        if (promptLookupMin < 1 || promptLookupMax < promptLookupMin) {
            throw new IllegalArgumentException("speculative config: prompt_lookup_min (" + promptLookupMin
                    + ") must be at least 1 and at most prompt_lookup_max (" + promptLookupMax + ")");
        }
    }

    /**
     * Reads vLLM's JSON form, e.g. {@code {"method": "ngram", "num_speculative_tokens": 5, "prompt_lookup_max": 4}}:
     * num_speculative_tokens is required; with neither lookup bound given both are 5, with one the other equals it
     * (vLLM's defaults). Other methods (draft models, EAGLE, MTP) and unknown fields are refused by name.
     */
    public static SpeculativeConfig parse(String json) {
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("speculative config is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("speculative config must be a JSON object, got: " + json);
        }
        List<String> unknown = new ArrayList<>();
        node.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                unknown.add(f);
            }
        });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("speculative config: unsupported field(s) " + unknown + " (known: "
                    + FIELDS.stream().sorted().toList() + ")");
        }
        String method = node.path("method").asText("");
        if (!method.equals("ngram")) {
            throw new IllegalArgumentException("speculative config: method \"" + method + "\" is not supported; only"
                    + " \"ngram\" (proposals from n-grams of the prompt and output) is");
        }
        int tokens = integer(node, "num_speculative_tokens");
        if (tokens == 0 && !node.has("num_speculative_tokens")) {
            throw new IllegalArgumentException("speculative config: num_speculative_tokens is required");
        }
        int min = integer(node, "prompt_lookup_min");
        int max = integer(node, "prompt_lookup_max");
        if (!node.has("prompt_lookup_min") && !node.has("prompt_lookup_max")) {
            min = max = 5;
        } else if (!node.has("prompt_lookup_min")) {
            min = max;
        } else if (!node.has("prompt_lookup_max")) {
            max = min;
        }
        return new SpeculativeConfig(tokens, min, max);
    }

    private static int integer(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null) {
            return 0;
        }
        if (!value.isInt()) {
            throw new IllegalArgumentException("speculative config: " + field + " must be an integer, got " + value);
        }
        return value.intValue();
    }
}
