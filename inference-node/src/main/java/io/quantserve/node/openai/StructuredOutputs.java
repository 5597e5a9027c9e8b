package io.quantserve.node.openai;

import io.quantserve.engine.guided.GuidedVocabulary;
import io.quantserve.engine.guided.StructuredOutput;
import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.node.engine.NodeEngine;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * {@code response_format} (or a tool call's JSON) → a constraint factory (one constraint per choice), or null for
 * free text. The token vocabulary the constraints mask with is built once, at start-up.
 */
@Component
class StructuredOutputs {
    private final GuidedVocabulary vocabulary; // null: the model has no end-of-sequence token to end a document with

    StructuredOutputs(NodeEngine engine) {
        var model = engine.model();
        this.vocabulary = model.eosIds().isEmpty() ? null : GuidedVocabulary.of(model.tokenizer(), model.eosIds());
    }

    Supplier<TokenConstraint> constraint(JsonNode responseFormat, boolean ignoreEos) {
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
