package io.quantserve.node.openai;

import io.quantserve.engine.guided.GuidedVocabulary;
import io.quantserve.engine.guided.StructuredOutput;
import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.node.engine.NodeEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

/**
 * {@code response_format}, vLLM's {@code guided_json} / {@code guided_choice}, or a tool call's JSON → a constraint
 * factory (one constraint per choice), or null for free text. The token vocabulary the constraints mask with is built once, at start-up.
 */
@Component
class StructuredOutputs {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final GuidedVocabulary vocabulary; // null: the model has no end-of-sequence token to end a document with

    StructuredOutputs(NodeEngine engine) {
        var model = engine.model();
        this.vocabulary = model.eosIds().isEmpty() ? null : GuidedVocabulary.of(model.tokenizer(), model.eosIds());
    }

    /**
     * The request's output constraint: {@code response_format}, or vLLM's {@code guided_json} or
     * {@code guided_choice} (at most one of the three); null for free text.
     */
    Supplier<TokenConstraint> constraint(SamplingFields request) {
        boolean ignoreEos = Boolean.TRUE.equals(request.ignoreEos());
        for (var refused : List.of(Map.entry("guided_regex", nullToMissing(request.guidedRegex())),
                Map.entry("guided_grammar", nullToMissing(request.guidedGrammar())))) {
            if (!refused.getValue().isMissingNode()) {
                throw OpenAiException.invalid(refused.getKey(), refused.getKey() + " is not supported (supported:"
                        + " response_format, guided_json, guided_choice)");
            }
        }
        JsonNode format = nullToMissing(request.responseFormat());
        JsonNode json = nullToMissing(request.guidedJson());
        JsonNode choice = nullToMissing(request.guidedChoice());
        boolean hasFormat = !format.isMissingNode() && !"text".equals(format.path("type").asString(""));
        if ((hasFormat ? 1 : 0) + (json.isMissingNode() ? 0 : 1) + (choice.isMissingNode() ? 0 : 1) > 1) {
            throw OpenAiException.invalid(json.isMissingNode() ? "guided_choice" : "guided_json", "only one of"
                    + " response_format, guided_json and guided_choice may be set");
        }
        if (!json.isMissingNode()) {
            JsonNode schema = json;
            if (json.isString()) {
                try {
                    schema = JSON.readTree(json.asString());
                } catch (JacksonException e) {
                    throw OpenAiException.invalid("guided_json", "guided_json is not JSON: " + e.getOriginalMessage());
                }
            }
            if (!schema.isObject()) {
                throw OpenAiException.invalid("guided_json", "guided_json must be a JSON schema object");
            }
            return jsonSchema(schema, "guided_json", ignoreEos);
        }
        if (!choice.isMissingNode()) {
            return choice(choice, ignoreEos);
        }
        return constraint(format.isMissingNode() ? null : format, ignoreEos);
    }

    private Supplier<TokenConstraint> choice(JsonNode choice, boolean ignoreEos) {
        if (!choice.isArray()) {
            throw OpenAiException.invalid("guided_choice", "guided_choice must be a list of strings");
        }
        List<String> choices = new ArrayList<>();
        for (JsonNode c : choice) {
            if (!c.isString()) {
                throw OpenAiException.invalid("guided_choice", "guided_choice must be a list of strings, got " + c);
            }
            choices.add(c.asString());
        }
        checkCanEnd("guided_choice", ignoreEos);
        try {
            StructuredOutput.choice(choices, vocabulary);
        } catch (IllegalArgumentException e) {
            throw OpenAiException.invalid("guided_choice", e.getMessage());
        }
        return () -> StructuredOutput.choice(choices, vocabulary);
    }

    private static JsonNode nullToMissing(JsonNode node) {
        return node == null || node.isNull() ? MissingNode.getInstance() : node;
    }

    private Supplier<TokenConstraint> constraint(JsonNode responseFormat, boolean ignoreEos) {
        if (responseFormat == null || responseFormat.isNull()) {
            return null;
        }
        String type = responseFormat.path("type").asString("");
        if (type.equals("text")) {
            return null;
        }
        if (!type.equals("json_object") && !type.equals("json_schema")) {
            throw OpenAiException.invalid("response_format.type", "response_format type '" + type
                    + "' is not supported (supported: text, json_object, json_schema)");
        }
        checkCanEnd("response_format", ignoreEos);
        if (type.equals("json_object")) {
            return () -> StructuredOutput.jsonObject(vocabulary);
        }
        JsonNode schema = responseFormat.path("json_schema").path("schema");
        if (!schema.isObject()) {
            throw OpenAiException.invalid("response_format.json_schema.schema",
                    "response_format json_schema needs a JSON schema object in json_schema.schema");
        }
        return jsonSchema(schema, "response_format.json_schema.schema");
    }

    /** Output constrained to a JSON schema (a function's arguments, say); a schema it cannot enforce names {@code param}. */
    Supplier<TokenConstraint> jsonSchema(JsonNode schema, String param, boolean ignoreEos) {
        checkCanEnd(param, ignoreEos);
        return jsonSchema(schema, param);
    }

    private Supplier<TokenConstraint> jsonSchema(JsonNode schema, String param) {
        try {
            StructuredOutput.jsonSchema(schema, vocabulary); // compiles (and caches) the schema: refuse bad ones now
        } catch (IllegalArgumentException e) {
            throw OpenAiException.invalid(param, e.getMessage());
        }
        return () -> StructuredOutput.jsonSchema(schema, vocabulary);
    }

    /** A JSON document ends with the end-of-sequence token: the model needs one, and the request must not ignore it. */
    private void checkCanEnd(String param, boolean ignoreEos) {
        if (ignoreEos) {
            throw OpenAiException.invalid("ignore_eos", "ignore_eos cannot be combined with JSON output (" + param
                    + "): the document ends with the end-of-sequence token");
        }
        if (vocabulary == null) {
            throw OpenAiException.invalid(param, "this model has no end-of-sequence token, so structured"
                    + " output cannot end a document");
        }
    }
}
