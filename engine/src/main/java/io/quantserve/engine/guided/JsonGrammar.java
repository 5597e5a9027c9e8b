package io.quantserve.engine.guided;

import tools.jackson.databind.JsonNode;

/** A language of JSON documents: any object, any value, or the instances of a JSON schema. */
public final class JsonGrammar {
    private static final JsonGrammar ANY_OBJECT = new JsonGrammar(ValueSpec.ANY_OBJECT);
    private static final JsonGrammar ANY_VALUE = new JsonGrammar(ValueSpec.ANY);

    private final ValueSpec root;

    private JsonGrammar(ValueSpec root) {
        this.root = root;
    }

    /** Any JSON object (OpenAI's {@code response_format: {"type": "json_object"}}). */
    public static JsonGrammar anyObject() {
        return ANY_OBJECT;
    }

    /** Any JSON value. */
    public static JsonGrammar anyValue() {
        return ANY_VALUE;
    }

    /**
     * The instances of a JSON schema (the subset {@link JsonSchemaCompiler} supports). Objects with declared
     * properties are written with those properties only, in declaration order.
     *
     * @throws IllegalArgumentException naming the keyword and its place in the schema when it is not supported or
     *                                  not valid
     */
    public static JsonGrammar fromSchema(JsonNode schema) {
        return new JsonGrammar(JsonSchemaCompiler.compile(schema));
    }

    /** The state before the first byte. */
    public Recognizer start() {
        return Recognizer.start(new ValueFrame(root, 0), Integer.MAX_VALUE); // an enum's values are one stack each
    }
}
