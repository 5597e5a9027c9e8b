package io.quantserve.engine.guided;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** JSON schema → language: which documents each supported keyword lets through, and which schemas are refused. */
class JsonSchemaGrammarTest {

    private static Recognizer read(String schema, String doc) {
        return JsonGrammar.fromSchema(Schemas.parse(schema)).start().advance(doc);
    }

    @ParameterizedTest(name = "{0} ⊢ {1}…")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // every prefix the grammar lets through can still be finished: these are refused at their last byte
        "`{\"type\":\"string\",\"pattern\":\"^(a|bbb)$\",\"minLength\":2}`|\"a",
        "{\"type\":\"string\",\"pattern\":\"^[a-z]+@x$\",\"maxLength\":5}|\"abcd",
        "{\"type\":\"string\",\"pattern\":\"^[a-zé]$\"}|\"\u00c4",
        "{\"type\":\"string\",\"pattern\":\"^[a-z]$\"}|\"\\u01",
        "{\"type\":\"string\",\"pattern\":\"^[a-z😀]$\"}|\"\\ud83e",
        "{\"type\":\"string\",\"pattern\":\"^[a-z]$\"}|\"\u00f0",
    })
    void shouldRefusePrefixesThatCannotBeFinished(String schema, String prefix) {
        byte[] bytes = prefix.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1); // U+0080-U+00FF: one raw byte
        Recognizer r = JsonGrammar.fromSchema(Schemas.parse(schema)).start();
        for (int i = 0; i < bytes.length - 1; i++) {
            r = r.advance(bytes[i] & 0xff);
            assertThat(r).as("byte %d", i).isNotNull();
        }
        assertThat(r.advance(bytes[bytes.length - 1] & 0xff)).as("the last byte").isNull();
    }

    private static boolean complete(String schema, String doc) {
        Recognizer r = read(schema, doc);
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
        "{\"type\":\"integer\",\"enum\":[1,\"x\",2.0]}|2.0",
        "{\"type\":\"integer\",\"format\":\"int32\"}|-2147483648",
        "{\"type\":\"integer\",\"format\":\"int64\",\"maximum\":7}|-9999999999999999",
        "{\"type\":\"number\",\"format\":\"double\"}|1.5e300",
        "{\"type\":[\"string\",\"null\"],\"enum\":[\"a\",1,null]}|null",
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
        // pattern: found anywhere unless anchored; each character however written (UTF-8, escapes, surrogate pairs)
        "{\"type\":\"string\",\"pattern\":\"^\\\\d{3}$\"}|\"123\"",
        "{\"type\":\"string\",\"pattern\":\"ab\"}|\"xxabyy\"",
        "{\"type\":\"string\",\"pattern\":\"^ab\"}|\"abyy\"",
        "`{\"type\":\"string\",\"pattern\":\"ab$|^c\"}`|\"cz\"",
        "{\"type\":\"string\",\"pattern\":\"^é+$\"}|\"\\u00e9é\\u00E9\"",
        "{\"type\":\"string\",\"pattern\":\"^😀\\\\n\\\\/$\"}|\"\\ud83d\\ude00\\n\\/\"",
        "{\"type\":\"string\",\"pattern\":\"^😀$\"}|\"😀\"",
        "{\"type\":\"string\",\"pattern\":\"^(?<word>[a-z]+)\\\\s\\\\S$\"}|\"ab\\u00a0!\"",
        "{\"type\":\"string\",\"pattern\":\"^[a-z]+$\",\"maxLength\":3}|\"abc\"",
        "`{\"type\":\"string\",\"pattern\":\"^(a|bbb)$\",\"minLength\":2}`|\"bbb\"",
        "{\"type\":\"string\",\"format\":\"date\"}|\"2024-02-29\"",
        "{\"type\":\"string\",\"format\":\"date\"}|\"2000-02-29\"",
        "{\"type\":\"string\",\"format\":\"time\"}|\"23:59:60.5+01:00\"",
        "{\"type\":\"string\",\"format\":\"date-time\"}|\"2024-02-29T12:30:00Z\"",
        "{\"type\":\"string\",\"format\":\"uuid\"}|\"123e4567-e89b-12d3-a456-426614174000\"",
        "{\"type\":\"string\",\"format\":\"email\"}|\"ada.l+x@example.co.uk\"",
        "{\"type\":\"string\",\"format\":\"ipv4\"}|\"192.168.0.255\"",
        "{\"type\":\"string\",\"format\":\"hostname\"}|\"a-1.example\"",
        "{\"type\":\"string\",\"format\":\"uri\"}|\"https://example.com:8080/a%20b?q=1&r#top\"",
        "{\"type\":\"string\",\"format\":\"date\",\"pattern\":\"^2024\"}|\"2024-01-31\"",
        "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}|-5",
        "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}|0",
        "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}|120",
        "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}|99",
        "{\"type\":\"integer\",\"exclusiveMinimum\":0.5}|1",
        "{\"type\":\"integer\",\"minimum\":7}|9999999999999999",
        "{\"type\":\"number\",\"minimum\":0,\"maximum\":1}|1.000",
        "{\"type\":\"number\",\"minimum\":0,\"maximum\":1}|0.999",
        "{\"type\":\"number\",\"minimum\":0,\"maximum\":1}|0",
        "{\"type\":\"number\",\"exclusiveMinimum\":0.25,\"maximum\":2.5}|0.2500001",
        "{\"type\":\"number\",\"exclusiveMinimum\":0.25,\"maximum\":2.5}|2.50",
        "{\"type\":\"number\",\"minimum\":-3.75,\"exclusiveMaximum\":-1.5}|-3.75",
        "{\"type\":\"number\",\"minimum\":-3.75,\"exclusiveMaximum\":-1.5}|-1.5000001",
        "{\"type\":\"number\",\"minimum\":-0.001,\"maximum\":0.002}|-0.0005",
        "{\"type\":\"number\",\"minimum\":3,\"exclusiveMinimum\":true}|3.01",
        "{\"type\":\"array\",\"items\":{\"type\":\"integer\",\"maximum\":10}}|[10, -3]",
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
        "{\"type\":\"integer\",\"enum\":[1,\"x\",2.5]}|\"x\"",
        "{\"type\":\"integer\",\"format\":\"int32\"}|2147483648",
        "{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":-5}|-6",
        "{\"type\":\"integer\",\"format\":\"int64\"}|99999999999999999",
        "{\"type\":\"integer\",\"enum\":[1,\"x\",2.5]}|2.5",
        "{\"type\":[\"string\",\"null\"],\"enum\":[\"a\",1,null]}|1",
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
        "{\"type\":\"string\",\"pattern\":\"^\\\\d{3}$\"}|\"1234\"",
        "{\"type\":\"string\",\"pattern\":\"^\\\\d{3}$\"}|\"١٢٣\"",
        "{\"type\":\"string\",\"pattern\":\"ab\"}|\"xxa\"",
        "{\"type\":\"string\",\"pattern\":\"^ab\"}|\"xab\"",
        "{\"type\":\"string\",\"pattern\":\"^.$\"}|\"\\n\"",
        "{\"type\":\"string\",\"pattern\":\"^.$\"}|\"\\u2028\"",
        "{\"type\":\"string\",\"pattern\":\"^é$\"}|\"\\u00e8\"",
        "{\"type\":\"string\",\"pattern\":\"^😀$\"}|\"\\ud83d\\ude01\"",
        "{\"type\":\"string\",\"format\":\"date\"}|\"2024-13-01\"",
        "{\"type\":\"string\",\"format\":\"date\"}|\"2023-02-29\"",
        "{\"type\":\"string\",\"format\":\"date\"}|\"2100-02-29\"",
        "{\"type\":\"string\",\"format\":\"date\"}|\"2024-04-31\"",
        "{\"type\":\"string\",\"format\":\"date-time\"}|\"2024-02-29 12:30:00\"",
        "{\"type\":\"string\",\"format\":\"uuid\"}|\"123e4567-e89b-12d3-a456-42661417400\"",
        "{\"type\":\"string\",\"format\":\"email\"}|\"ada@localhost\"",
        "{\"type\":\"string\",\"format\":\"ipv4\"}|\"256.1.1.1\"",
        "{\"type\":\"string\",\"format\":\"ipv4\"}|\"01.1.1.1\"",
        "{\"type\":\"string\",\"format\":\"uri\"}|\"example.com/a b\"",
        "{\"type\":\"string\",\"format\":\"date\",\"pattern\":\"^2024\"}|\"2023-01-31\"",
        "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}|-6",
        "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}|121",
        "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}|-0",
        "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":120}|007",
        "{\"type\":\"integer\",\"exclusiveMinimum\":0.5}|0",
        "{\"type\":\"number\",\"minimum\":0,\"maximum\":1}|1.0001",
        "{\"type\":\"number\",\"minimum\":0,\"maximum\":1}|1e-1",
        "{\"type\":\"number\",\"exclusiveMinimum\":0.25,\"maximum\":2.5}|0.25",
        "{\"type\":\"number\",\"exclusiveMinimum\":0.25,\"maximum\":2.5}|0.2499",
        "{\"type\":\"number\",\"exclusiveMinimum\":0.25,\"maximum\":2.5}|2.51",
        "{\"type\":\"number\",\"minimum\":-3.75,\"exclusiveMaximum\":-1.5}|-1.5",
        "{\"type\":\"number\",\"minimum\":-3.75,\"exclusiveMaximum\":-1.5}|-3.751",
        "{\"type\":\"number\",\"minimum\":-0.001,\"maximum\":0.002}|0.0021",
        "{\"type\":\"number\",\"minimum\":3,\"exclusiveMinimum\":true}|3",
    })
    void shouldRejectNonInstances(String schema, String doc) {
        assertThat(complete(schema, doc)).isFalse();
    }

    @Test
    void shouldFollowAnEnumOfHundredsOfValues() {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 600; i++) {
            values.append(i == 0 ? "" : ", ").append("\"country-").append(i).append('"');
        }
        Recognizer start = JsonGrammar.fromSchema(Schemas.parse("{\"enum\": [" + values + "]}")).start();
        assertThat(start.advance("\"country-5")).isNotNull(); // 600 readings after the quote: every value
        assertThat(start.advance("\"country-599\"").isComplete()).isTrue();
        assertThat(start.advance("\"country-600\"")).isNull();
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
        "{\"type\":\"string\",\"pattern\":\"(?=a)\"}|#/pattern: regular expression: lookahead assertions are not supported at position 0",
        "{\"type\":\"string\",\"pattern\":\"(^a)b\"}|anchors inside a group are not supported in a JSON schema pattern",
        "{\"type\":\"string\",\"pattern\":3}|#/pattern: must be a regular expression as a string",
        "{\"type\":\"object\",\"properties\":{\"d\":{\"type\":\"string\",\"format\":\"ipv6\"}}}|#/properties/d/format: format 'ipv6' is not supported (supported: date, date-time, email, hostname, ipv4, time, uri, uuid)",
        "{\"type\":\"string\",\"format\":\"uuid\",\"maxLength\":30}|no string of at most maxLength 30 characters matches",
        "{\"type\":\"string\",\"pattern\":\"^a$\",\"minLength\":2}|matches no text",
        "{\"type\":\"string\",\"pattern\":\"^a$\",\"format\":\"date\"}|matches no text",
        "{\"type\":\"integer\",\"format\":\"date\"}|'format' does not apply to type integer",
        "{\"type\":\"array\",\"uniqueItems\":true}|'uniqueItems' at # is not supported",
        "{\"type\":\"integer\",\"multipleOf\":0}|#/multipleOf: must be a number greater than 0",
        "{\"type\":\"integer\",\"multipleOf\":5,\"minimum\":1,\"maximum\":4}|no multiple of 5 lies between 1 and 4",
        "{\"type\":\"integer\",\"minimum\":3,\"maximum\":2}|#: no integer lies between 3 and 2",
        "{\"type\":\"integer\",\"exclusiveMinimum\":2,\"exclusiveMaximum\":3}|no integer lies between 2 (exclusive) and 3 (exclusive)",
        "{\"type\":\"number\",\"minimum\":1.5,\"exclusiveMaximum\":1.5}|no number lies between",
        "{\"type\":\"string\",\"minimum\":1}|'minimum' does not apply to type string",
        "{\"type\":\"number\",\"minimum\":\"1\"}|#/minimum: must be a number",
        "{\"type\":\"number\",\"exclusiveMinimum\":true}|true or false needs minimum beside it",
        "{\"type\":\"array\",\"uniqueItems\":true}|'uniqueItems' at # is not supported",
        "{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]}|#/items: a list of item schemas",
        "{\"type\":\"strin\"}|#/type: unknown type \"strin\"",
        "{\"type\":\"integer\",\"maxLength\":3}|'maxLength' does not apply to type integer",
        "{\"type\":\"string\",\"minLength\":3,\"maxLength\":2}|minLength 3 is greater than maxLength 2",
        "{\"type\":\"string\",\"maxLength\":-1}|#/maxLength: must be a non-negative integer",
        "{\"type\":\"array\",\"minItems\":3,\"maxItems\":1}|minItems 3 is greater than maxItems 1",
        "{\"enum\":[]}|#/enum: must be a non-empty array",
        "{\"type\":\"string\",\"maxLength\":1,\"enum\":[\"a\",\"bb\"]}|'enum' together with 'maxLength'",
        "{\"type\":\"string\",\"const\":5}|#/const: no value is of type string",
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
