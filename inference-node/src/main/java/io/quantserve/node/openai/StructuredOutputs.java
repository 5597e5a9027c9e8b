package io.quantserve.node.openai;

import io.quantserve.engine.guided.GuidedVocabulary;
import io.quantserve.engine.guided.StructuredOutput;
import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.node.engine.NodeEngine;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * {@code response_format} → a constraint factory (one constraint per choice), or null for free text. The token
 * vocabulary the constraints mask with is built once, at start-up.
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
        if (ignoreEos) {
            throw OpenAiException.invalid("ignore_eos", "ignore_eos cannot be combined with a JSON response_format:"
                    + " the document ends with the end-of-sequence token");
        }
        if (vocabulary == null) {
            throw OpenAiException.invalid("response_format", "this model has no end-of-sequence token, so structured"
                    + " output cannot end a document");
        }
        if (type.equals("json_object")) {
            return () -> StructuredOutput.jsonObject(vocabulary);
        }
        JsonNode schema = responseFormat.path("json_schema").path("schema");
        if (!schema.isObject()) {
            throw OpenAiException.invalid("response_format.json_schema.schema",
                    "response_format json_schema needs a JSON schema object in json_schema.schema");
        }
        try {
            StructuredOutput.jsonSchema(schema, vocabulary); // compiles (and caches) the schema: refuse bad ones now
        } catch (IllegalArgumentException e) {
            throw OpenAiException.invalid("response_format.json_schema.schema", e.getMessage());
        }
        return () -> StructuredOutput.jsonSchema(schema, vocabulary);
    }
}
