package io.quantserve.engine.guided;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** JSON schema → language: which documents each supported keyword lets through, and which schemas are refused. */
class JsonSchemaGrammarTest {

    private static JsonRecognizer read(String schema, String doc) {
        return JsonGrammar.fromSchema(Schemas.parse(schema)).start().advance(doc);
    }

    private static boolean complete(String schema, String doc) {
        JsonRecognizer r = read(schema, doc);
        return r != null && r.isComplete();
    }

    @ParameterizedTest(name = "{0} ⊢ {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"type\":\"string\"}|\"hi\"",
        "{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}|\"héé\"",
        "{\"type\":\"string\",\"maxLength\":2}|\"\\u00e9\\n\"",
        "{\"type\":\"integer\"}|-42",
        "{\"type\":\"number\"}|-0.5e+10",
        "{\"type\":\"boolean\"}|false",
        "{\"type\":\"null\"}|null",
        "{\"type\":[\"string\",\"null\"]}|null",
        "{\"type\":[\"string\",\"null\"]}|\"x\"",
        "{\"type\":\"string\",\"nullable\":true}|null",
        "{\"enum\":[\"a\",1,null,{\"k\":[true]}]}|{\"k\":[true]}",
        "{\"enum\":[\"a\",1,null]}|1",
        "{\"const\":\"fixed\"}|\"fixed\"",
        "{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]}|\"7\"",
        "{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]}|7",
        "{\"allOf\":[{\"type\":\"integer\"}]}|7",
        "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":2}|[1, 2]",
        "{\"type\":\"array\"}|[1, \"a\", {}]",
        "{}|[1, {\"x\": null}]",
        "true|\"anything\"",
        "{\"type\":\"object\"}|{\"any\": [1]}",
        "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}|{\"a\": 1, \"b\": 2}",
        "{\"type\":\"object\",\"additionalProperties\":false}|{}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"string\"}},\"required\":[\"b\"]}|{\"b\": \"x\"}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"string\"}}}|{}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"string\"}}}|{\"a\": 1, \"b\": \"x\"}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"string\"}}}|{\"a\": 1}",
        "{\"type\":\"object\",\"properties\":{\"q\\\"\":{\"type\":\"integer\"}}}|{\"q\\\"\": 1}",
        "{\"properties\":{\"next\":{\"$ref\":\"#\"}}}|{\"next\": {\"next\": {}}}",
        "{\"definitions\":{\"d\":{\"type\":\"integer\"}},\"type\":\"array\",\"items\":{\"$ref\":\"#/definitions/d\"}}|[3]",
    })
    void shouldAcceptInstances(String schema, String doc) {
        assertThat(complete(schema, doc)).isTrue();
    }

    @ParameterizedTest(name = "{0} ⊬ {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"type\":\"string\"}|1",
        "{\"type\":\"string\",\"minLength\":2}|\"a\"",
        "{\"type\":\"string\",\"maxLength\":2}|\"abc\"",
        "{\"type\":\"string\",\"maxLength\":1}|\"\\u00e9\\u00e9\"",
        "{\"type\":\"integer\"}|1.5",
        "{\"type\":\"integer\"}|1e3",
        "{\"type\":\"boolean\"}|null",
        "{\"type\":[\"string\",\"null\"]}|1",
        "{\"enum\":[\"a\",1,null]}|\"b\"",
        "{\"enum\":[\"a\",1,null]}|2",
        "{\"const\":\"fixed\"}|\"fixes\"",
        "{\"type\":\"array\",\"minItems\":1}|[]",
        "{\"type\":\"array\",\"maxItems\":1}|[1, 2]",
        "{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}|[\"a\"]",
        "{\"type\":\"object\",\"additionalProperties\":false}|{\"a\": 1}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}|{}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}|{\"b\": 1}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"string\"}}}|{\"b\": \"x\", \"a\": 1}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}|{\"a\": 1, \"a\": 2}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}|{\"a\": 1,}",
        "{\"type\":\"object\"}|[]",
    })
    void shouldRejectNonInstances(String schema, String doc) {
        assertThat(complete(schema, doc)).isFalse();
    }

    @Test
    void shouldAcceptTheSharedSchemasExamples() {
        String person = """
                {"name": "Ada", "age": 36, "score": null, "role": "admin", "active": true, "tags": ["math"],
                 "address": {"city": "London", "zip": null}, "kind": "person"}""".replace("\n", "");
        assertThat(complete(Schemas.PERSON, person)).isTrue();
        assertThat(complete(Schemas.PERSON, person.replace("\"kind\": \"person\"", "\"kind\": \"robot\""))).isFalse();
        assertThat(complete(Schemas.TREE, "{\"v\": 1, \"children\": [{\"v\": 2}, {\"v\": 3, \"children\": []}]}"))
                .isTrue();
        assertThat(complete(Schemas.TREE, "{\"children\": []}")).isFalse();
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"type\":\"string\",\"pattern\":\"^a$\"}|'pattern' at # is not supported",
        "{\"type\":\"object\",\"properties\":{\"d\":{\"type\":\"string\",\"format\":\"date\"}}}|'format' at #/properties/d is not supported",
        "{\"type\":\"integer\",\"minimum\":0}|'minimum' at # is not supported",
        "{\"type\":\"array\",\"uniqueItems\":true}|'uniqueItems' at # is not supported",
        "{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]}|#/items: a list of item schemas",
        "{\"type\":\"strin\"}|#/type: unknown type \"strin\"",
        "{\"type\":\"integer\",\"maxLength\":3}|'maxLength' does not apply to type integer",
        "{\"type\":\"string\",\"minLength\":3,\"maxLength\":2}|minLength 3 is greater than maxLength 2",
        "{\"type\":\"string\",\"maxLength\":-1}|#/maxLength: must be a non-negative integer",
        "{\"type\":\"array\",\"minItems\":3,\"maxItems\":1}|minItems 3 is greater than maxItems 1",
        "{\"enum\":[]}|#/enum: must be a non-empty array",
        "{\"$ref\":\"#/$defs/missing\"}|'#/$defs/missing' points to nothing",
        "{\"$ref\":\"https://example.com/s.json\"}|only local references",
        "{\"$ref\":\"#\"}|refers back to itself before any value starts",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"b\"]}|required property 'b' is not declared",
        "{\"type\":\"object\",\"properties\":{\"me\":{\"$ref\":\"#\"}},\"required\":[\"me\"]}|no finite instance",
        "{\"anyOf\":[{\"type\":\"string\"}],\"type\":\"string\"}|'anyOf' together with 'type'",
        "{\"allOf\":[{\"type\":\"string\"},{\"maxLength\":2}]}|allOf with more than one schema",
        "false|the schema false allows no value",
        "[]|a schema must be an object or a boolean",
    })
    void shouldRefuseUnsupportedOrInvalidSchemasNamingTheKeyword(String schema, String message) {
        assertThatThrownBy(() -> JsonGrammar.fromSchema(Schemas.parse(schema)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }
}
