package io.quantserve.engine.guided;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** JSON schemas that tests share, written as users send them. */
public final class Schemas {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    /** An OpenAI strict-mode style schema touching every supported keyword. */
    public static final String PERSON = """
            {"type": "object", "additionalProperties": false,
             "properties": {
               "name": {"type": "string", "minLength": 1, "maxLength": 12},
               "age": {"type": "integer"},
               "score": {"type": ["number", "null"]},
               "role": {"enum": ["admin", "user", "guest"]},
               "active": {"type": "boolean"},
               "tags": {"type": "array", "items": {"type": "string", "maxLength": 6}, "minItems": 1, "maxItems": 3},
               "address": {"$ref": "#/$defs/address"},
               "nickname": {"type": "string", "maxLength": 8},
               "kind": {"const": "person"}
             },
             "required": ["name", "age", "score", "role", "active", "tags", "address", "kind"],
             "$defs": {"address": {"type": "object", "additionalProperties": false,
               "properties": {"city": {"type": "string", "maxLength": 10},
                              "zip": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]}},
               "required": ["city", "zip"]}}}
            """;

    /** A recursive schema: a tree of nodes, children optional. */
    public static final String TREE = """
            {"$defs": {"node": {"type": "object", "properties": {
                "v": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
              "required": ["v"]}},
             "$ref": "#/$defs/node"}
            """;

    /** Corners: overlapping anyOf objects, enums of objects, unicode and quotes in keys, empty and bounded strings. */
    public static final String TRICKY = """
            {"type": "object", "properties": {
               "pick": {"anyOf": [
                  {"type": "object", "properties": {"a": {"type": "string", "maxLength": 3}}, "required": ["a"]},
                  {"type": "object", "properties": {"a": {"type": "string", "maxLength": 3},
                                                    "b": {"type": "integer"}}, "required": ["a", "b"]},
                  {"type": "null"}]},
               "caf\u00e9 \\"q\\"": {"enum": ["na\u00efve", "\u65e5\u672c", {"k": [1, 2.5]}, false]},
               "empty": {"type": "string", "maxLength": 0},
               "pair": {"type": "array", "items": {"type": ["integer", "string"], "maxLength": 2},
                        "minItems": 2, "maxItems": 2},
               "nested": {"type": "array", "items": {"type": "array", "items": {"type": "boolean"}, "minItems": 1},
                          "maxItems": 2},
               "long": {"type": "string", "minLength": 3, "maxLength": 5}
             },
             "required": ["pick", "caf\u00e9 \\"q\\"", "empty", "pair", "long"]}
            """;

    /** Strings with patterns (anchored or found anywhere, non-ASCII) and formats, as Pydantic models produce them. */
    public static final String PATTERNS = """
            {"type": "object", "additionalProperties": false, "properties": {
               "code": {"type": "string", "pattern": "^[A-Z]{2}-\\\\d{3}$"},
               "word": {"type": "string", "pattern": "café|naïve", "maxLength": 8},
               "hex": {"type": "string", "pattern": "^(0x)?[0-9a-f]+$", "maxLength": 6},
               "emoji": {"type": "string", "pattern": "^[☺\\\\u2600-\\\\u26ff😀-🙏]{1,3}$"},
               "day": {"type": "string", "format": "date"},
               "at": {"type": "string", "format": "date-time"},
               "id": {"type": "string", "format": "uuid"},
               "mail": {"type": "string", "format": "email", "maxLength": 24},
               "ip": {"type": "string", "format": "ipv4"},
               "host": {"type": "string", "format": "hostname", "maxLength": 20},
               "link": {"type": "string", "format": "uri", "maxLength": 30}
             },
             "required": ["code", "word", "hex", "emoji", "day", "at", "id", "mail", "ip", "host", "link"]}
            """;

    /** Numbers bounded as Pydantic's ge/gt/le/lt write them (and draft 4's boolean exclusiveMinimum). */
    public static final String RANGES = """
            {"type": "object", "additionalProperties": false, "properties": {
               "count": {"type": "integer", "minimum": 1, "maximum": 250},
               "offset": {"type": "integer", "exclusiveMinimum": -40, "exclusiveMaximum": 7},
               "big": {"type": "integer", "minimum": 999990, "maximum": 1000020},
               "p": {"type": "number", "minimum": 0, "maximum": 1},
               "t": {"type": "number", "exclusiveMinimum": 0.25, "maximum": 2.5},
               "neg": {"type": "number", "minimum": -3.75, "exclusiveMaximum": -1.5},
               "x": {"type": "number", "minimum": -0.001, "maximum": 0.002},
               "old": {"type": "integer", "minimum": 3, "exclusiveMinimum": true, "maximum": 5},
               "pos": {"type": "number", "exclusiveMinimum": 0},
               "step": {"type": "integer", "multipleOf": 5, "minimum": -20},
               "price": {"type": "number", "multipleOf": 0.25, "maximum": 99},
               "cents": {"type": "number", "multipleOf": 0.01}
             },
             "required": ["count", "offset", "big", "p", "t", "neg", "x", "old", "pos", "step", "price", "cents"]}
            """;

    private Schemas() {
    }

    public static JsonNode parse(String json) {
        return MAPPER.readTree(json);
    }
}
