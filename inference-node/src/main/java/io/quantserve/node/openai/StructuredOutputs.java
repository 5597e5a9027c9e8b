package io.quantserve.node.openai;

import io.quantserve.engine.guided.GuidedVocabulary;
import io.quantserve.engine.guided.StructuredOutput;
import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.node.engine.NodeEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

/**
 * {@code response_format}, vLLM's {@code guided_json} / {@code guided_choice} / {@code guided_regex} /
 * {@code guided_grammar}, or a tool call's JSON → a constraint factory (one constraint per choice), or null for free
 * text. The token vocabulary the constraints mask with is built once, at start-up.
 */
@Component
class StructuredOutputs {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final GuidedVocabulary vocabulary; // null: the model has no end-of-sequence token to end a document with

    StructuredOutputs(NodeEngine engine) {
        var model = engine.model();
        this.vocabulary = model.eosIds().isEmpty() ? null : GuidedVocabulary.of(model.tokenizer(), model.eosIds());
    }

    /** One way the request asks for structured output: the field it came in, and the value. */
    private record Asked(String param, JsonNode value) {
    }

    /**
     * The request's output constraint: {@code response_format} (json_object, json_schema, structural_tag), or vLLM's
     * {@code guided_json} / {@code guided_choice} / {@code guided_regex} / {@code guided_grammar} or their newer
     * spelling {@code structured_outputs: {"json" | "choice" | "regex" | "grammar" | "structural_tag" | "json_object":
     * ...}} — one of them at most; null for free text.
     */
    Supplier<TokenConstraint> constraint(SamplingFields request) {
        boolean ignoreEos = Boolean.TRUE.equals(request.ignoreEos());
        List<Asked> asked = asked(request);
        if (asked.size() > 1) {
            throw OpenAiException.invalid(asked.get(1).param(), "only one structured output may be asked for, got "
                    + asked.stream().map(Asked::param).toList());
        }
        if (asked.isEmpty()) {
            return null;
        }
        Asked one = asked.getFirst();
        return switch (one.param()) {
            case "response_format" -> constraint(one.value(), ignoreEos);
            case "guided_choice", "structured_outputs.choice" -> choice(one.param(), one.value(), ignoreEos);
            case "guided_regex", "structured_outputs.regex" ->
                    text(one.param(), one.value(), ignoreEos, "a regular expression", StructuredOutput::regex);
            case "guided_grammar", "structured_outputs.grammar" ->
                    text(one.param(), one.value(), ignoreEos, "an EBNF grammar", StructuredOutput::grammar);
            case "structured_outputs.structural_tag" -> structuralTag(one.param(), one.value(), ignoreEos);
            case "structured_outputs.json_object" -> {
                checkCanEnd(one.param(), ignoreEos);
                yield () -> StructuredOutput.jsonObject(vocabulary);
            }
            default -> jsonSchema(objectOf(one.param(), one.value(), "a JSON schema object"), one.param(), ignoreEos);
        };
    }

    /** The field a request asks for structured output in, if any (the first, when it names several). */
    Optional<String> askedIn(SamplingFields request) {
        return asked(request).stream().map(Asked::param).findFirst();
    }

    /** Every structured output the request asks for; the kinds no guide here enforces are refused by name. */
    private static List<Asked> asked(SamplingFields request) {
        List<Asked> asked = new ArrayList<>();
        JsonNode format = nullToMissing(request.responseFormat());
        if (!format.isMissingNode() && !"text".equals(format.path("type").asString(""))) {
            asked.add(new Asked("response_format", format));
        }
        add(asked, "guided_json", request.guidedJson());
        add(asked, "guided_choice", request.guidedChoice());
        add(asked, "guided_regex", request.guidedRegex());
        add(asked, "guided_grammar", request.guidedGrammar());
        JsonNode structured = nullToMissing(request.structuredOutputs());
        if (!structured.isMissingNode()) {
            if (!structured.isObject()) {
                throw OpenAiException.invalid("structured_outputs", "structured_outputs must be an object such as"
                        + " {\"json\": <schema>} or {\"choice\": [...]}");
            }
            add(asked, "structured_outputs.json", structured.get("json"));
            add(asked, "structured_outputs.choice", structured.get("choice"));
            add(asked, "structured_outputs.regex", structured.get("regex"));
            add(asked, "structured_outputs.grammar", structured.get("grammar"));
            add(asked, "structured_outputs.structural_tag", structured.get("structural_tag"));
            if (structured.path("json_object").asBoolean(false)) {
                asked.add(new Asked("structured_outputs.json_object", structured.get("json_object")));
            }
        }
        return asked;
    }

    private static void add(List<Asked> asked, String param, JsonNode value) {
        if (!nullToMissing(value).isMissingNode()) {
            asked.add(new Asked(param, value));
        }
    }

    /** A JSON object given as itself or as its JSON text (a schema, a structural tag); {@code what} names it. */
    private static JsonNode objectOf(String param, JsonNode value, String what) {
        JsonNode object = value;
        if (value.isString()) {
            try {
                object = JSON.readTree(value.asString());
            } catch (JacksonException e) {
                throw OpenAiException.invalid(param, param + " is not JSON: " + e.getOriginalMessage());
            }
        }
        if (!object.isObject()) {
            throw OpenAiException.invalid(param, param + " must be " + what);
        }
        return object;
    }

    private Supplier<TokenConstraint> choice(String param, JsonNode choice, boolean ignoreEos) {
        if (!choice.isArray()) {
            throw OpenAiException.invalid(param, param + " must be a list of strings");
        }
        List<String> choices = new ArrayList<>();
        for (JsonNode c : choice) {
            if (!c.isString()) {
                throw OpenAiException.invalid(param, param + " must be a list of strings, got " + c);
            }
            choices.add(c.asString());
        }
        checkCanEnd(param, ignoreEos);
        compileNow(param, () -> StructuredOutput.choice(choices, vocabulary));
        return () -> StructuredOutput.choice(choices, vocabulary);
    }

    /** A regular expression (Python's re syntax) or an EBNF grammar, given as text, the whole reply must match. */
    private Supplier<TokenConstraint> text(String param, JsonNode value, boolean ignoreEos, String what,
            BiFunction<String, GuidedVocabulary, TokenConstraint> compile) {
        if (!value.isString()) {
            throw OpenAiException.invalid(param, param + " must be " + what + " as a string");
        }
        String text = value.asString();
        checkCanEnd(param, ignoreEos);
        compileNow(param, () -> compile.apply(text, vocabulary));
        return () -> compile.apply(text, vocabulary);
    }

    /**
     * vLLM's structural tag ({@code {"structures": [{"begin", "schema", "end"}], "triggers": [...]}}, in
     * response_format or as structured_outputs' JSON text): free text whose triggers go on as the structures.
     */
    private Supplier<TokenConstraint> structuralTag(String param, JsonNode value, boolean ignoreEos) {
        JsonNode tag = objectOf(param, value, "a structural tag object with structures and triggers");
        checkCanEnd(param, ignoreEos);
        compileNow(param, () -> StructuredOutput.structuralTag(tag, vocabulary));
        return () -> StructuredOutput.structuralTag(tag, vocabulary);
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
        if (!type.equals("json_object") && !type.equals("json_schema") && !type.equals("structural_tag")) {
            throw OpenAiException.invalid("response_format.type", "response_format type '" + type
                    + "' is not supported (supported: text, json_object, json_schema, structural_tag)");
        }
        if (type.equals("structural_tag")) {
            return structuralTag("response_format", responseFormat, ignoreEos);
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
        compileNow(param, () -> StructuredOutput.jsonSchema(schema, vocabulary));
        return () -> StructuredOutput.jsonSchema(schema, vocabulary);
    }

    /**
     * Compiles (and caches) a request's constraint now, so that a bad one is refused with a 400 naming {@code param}:
     * what it cannot enforce, or nesting so deep that the parsers ran out of stack.
     */
    private static void compileNow(String param, Runnable compile) {
        try {
            compile.run();
        } catch (IllegalArgumentException e) {
            throw OpenAiException.invalid(param, e.getMessage());
        } catch (StackOverflowError e) {
            throw OpenAiException.invalid(param, param + " is nested too deeply to compile");
        }
    }

    /** A JSON document ends with the end-of-sequence token: the model needs one, and the request must not ignore it. */
    private void checkCanEnd(String param, boolean ignoreEos) {
        if (ignoreEos) {
            throw OpenAiException.invalid("ignore_eos", "ignore_eos cannot be combined with structured output (" + param
                    + "): it ends with the end-of-sequence token");
        }
        if (vocabulary == null) {
            throw OpenAiException.invalid(param, "this model has no end-of-sequence token, so structured"
                    + " output cannot end a document");
        }
    }
}
