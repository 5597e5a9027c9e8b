package io.quantserve.engine.guided;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Structured output for the OpenAI API's {@code response_format} (and vLLM's guided_json / guided_choice /
 * guided_regex / guided_grammar): a fresh {@link TokenConstraint} per sequence. Grammars and their mask caches are shared through the {@link GuidedVocabulary}, so equal formats cost one
 * compilation.
 */
public final class StructuredOutput {
    private StructuredOutput() {
    }

    /** {@code {"type": "json_object"}}: any JSON object. */
    public static TokenConstraint jsonObject(GuidedVocabulary vocabulary) {
        return new GrammarConstraint(vocabulary.masks("json_object", () -> JsonGrammar.anyObject().start()));
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
        return new GrammarConstraint(vocabulary.masks("schema:" + schema, () -> JsonGrammar.fromSchema(schema).start()));
    }

    /**
     * vLLM's structural tags ({@code {"structures": [{"begin", "schema", "end"}], "triggers": [...]}}): free text in
     * which each trigger goes on as one of its structures ({@link StructuralTag}).
     *
     * @throws IllegalArgumentException naming the field when the tag is not valid or a schema is not supported
     */
    public static TokenConstraint structuralTag(JsonNode tag, GuidedVocabulary vocabulary) {
        if (tag == null || !tag.isObject()) {
            throw new IllegalArgumentException("a structural tag must be an object with structures and triggers");
        }
        return new GrammarConstraint(vocabulary.masks("tag:" + tag, () -> StructuralTag.compile(tag).start()));
    }

    /**
     * vLLM's {@code guided_regex}: text that {@code pattern} (Python {@code re} syntax, {@link PythonRegex}) matches
     * whole, then the end of the sequence.
     *
     * @throws IllegalArgumentException when the pattern is not valid, uses a construct no automaton can check (a
     *                                  lookaround, a backreference), is too complex, or matches nothing; the message
     *                                  names the problem and its position
     */
    public static TokenConstraint regex(String pattern, GuidedVocabulary vocabulary) {
        if (pattern == null) {
            throw new IllegalArgumentException("guided_regex needs a pattern");
        }
        return new RegexConstraint(vocabulary.regexMasks(pattern));
    }

    /**
     * vLLM's {@code guided_grammar}: text of the EBNF grammar {@code grammar} (llama.cpp's GBNF, as xgrammar reads it:
     * {@link EbnfParser}) from its rule {@code root}, then the end of the sequence.
     *
     * @throws IllegalArgumentException when the grammar is not valid, has no root, is left-recursive or has a rule
     *                                  that can never finish; the message names the place and the problem
     */
    public static TokenConstraint grammar(String grammar, GuidedVocabulary vocabulary) {
        if (grammar == null) {
            throw new IllegalArgumentException("guided_grammar needs a grammar");
        }
        return new GrammarConstraint(vocabulary.masks("ebnf:" + grammar, () -> EbnfGrammar.parse(grammar).start()));
    }

    /**
     * vLLM's {@code guided_choice}: exactly one of {@code choices}, as plain text.
     *
     * @throws IllegalArgumentException when there are no choices, or one is empty
     */
    public static TokenConstraint choice(List<String> choices, GuidedVocabulary vocabulary) {
        if (choices == null || choices.isEmpty()) {
            throw new IllegalArgumentException("guided_choice needs at least one choice");
        }
        for (int i = 0; i < choices.size(); i++) {
            if (choices.get(i) == null || choices.get(i).isEmpty()) {
                throw new IllegalArgumentException("guided_choice[" + i + "] is empty");
            }
        }
        return new ChoiceConstraint(List.copyOf(choices), vocabulary);
    }
}
