package io.quantserve.engine.guided;

import tools.jackson.databind.JsonNode;

/**
 * Structured output for the OpenAI API's {@code response_format}: a fresh {@link TokenConstraint} per sequence.
 * Grammars and their mask caches are shared through the {@link GuidedVocabulary}, so equal formats cost one
 * compilation.
 */
public final class StructuredOutput {
    private StructuredOutput() {
    }

    /** {@code {"type": "json_object"}}: any JSON object. */
    public static TokenConstraint jsonObject(GuidedVocabulary vocabulary) {
        return new GrammarConstraint(vocabulary.masks("json_object", JsonGrammar::anyObject));
    }

    /**
     * {@code {"type": "json_schema", "json_schema": {"schema": ...}}}: an instance of {@code schema}.
     *
     * @throws IllegalArgumentException when the schema uses a keyword that is not supported or is not valid; the
     *                                  message names the keyword and where it is (for an HTTP 400)
     */
    public static TokenConstraint jsonSchema(JsonNode schema, GuidedVocabulary vocabulary) {
        if (schema == null || schema.isMissingNode() || schema.isNull()) {
            throw new IllegalArgumentException("json_schema.schema is required");
        }
        return new GrammarConstraint(vocabulary.masks("schema:" + schema, () -> JsonGrammar.fromSchema(schema)));
    }
}
