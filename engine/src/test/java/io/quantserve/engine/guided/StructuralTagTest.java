package io.quantserve.engine.guided;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Structural tags: free text in which every trigger goes on as one of its structures. */
class StructuralTagTest {
    private static final String WEATHER = """
            {"triggers": ["<function="], "structures": [
              {"begin": "<function=get_weather>", "schema": {"type": "object", "properties": {"city": {"type":
               "string", "maxLength": 12}}, "required": ["city"], "additionalProperties": false}, "end": "</function>"},
              {"begin": "<function=get_time>", "schema": {"type": "object", "properties": {}}, "end": "</function>"}]}
            """;

    @Test
    void shouldLeaveTextFreeUntilATriggerAndThenHoldItToAStructure() {
        Recognizer start = StructuralTag.compile(Schemas.parse(WEATHER)).start();
        assertThat(start.isComplete()).isTrue();
        assertComplete(start, "Let me check the weather in Paris for you.");
        assertComplete(start, "Sure. <function=get_weather>{\"city\": \"Paris\"}</function> Anything else? <function"
                + "=get_time>{}</function>");
        assertComplete(start, "no calls, but a <functio at the end");
        assertThat(start.advance("<function=get_weather>{\"city\": \"Paris\"}").isComplete()).as("inside a call")
                .isFalse();
        assertThat(start.advance("<function=set_alarm>")).as("no structure begins so").isNull();
        assertThat(start.advance("<function=get_weather>{\"town\"")).as("the schema holds").isNull();
        assertThat(start.advance("<function=get_time>{}</functio>")).as("the end text holds").isNull();
        Recognizer split = StructuralTag.compile(Schemas.parse("{\"triggers\": [\"<\u00e9\"], \"structures\": ["
                + "{\"begin\": \"<\u00e9t\u00e9>\", \"schema\": {\"type\": \"integer\"}, \"end\": \"</\u00e9>\"}]}"))
                .start();
        assertComplete(split, "un <\u00e9t\u00e9>42</\u00e9> fin"); // beyond ASCII
    }

    @Test
    void shouldWriteOnlyWellFormedCallsOnRandomWalks() {
        String tag = """
                {"triggers": ["<"], "structures": [{"begin": "<tool>", "schema": {"type": "integer", "minimum": 0,
                 "maximum": 99}, "end": "</tool>"}]}""";
        Pattern whole = Pattern.compile("[^<]*(<tool>\\s{0,2}(0|[1-9][0-9]?)</tool>[^<]*)*", Pattern.DOTALL);
        for (String name : new String[] {"llama2", "gpt2"}) {
            GuidedVocabulary vocabulary = GuidedVocabulary.of(FixtureTokenizers.named(name));
            RandomWalk walk = new RandomWalk(vocabulary);
            int calls = 0;
            for (long seed = 0; seed < 6; seed++) {
                String text = walk.run(StructuredOutput.structuralTag(Schemas.parse(tag), vocabulary), seed, 300)
                        .text();
                Matcher m = whole.matcher(text);
                assertThat(m.matches() || m.hitEnd()).as("%s seed %d: %s", name, seed, text).isTrue();
                calls += text.split("</tool>", -1).length - 1;
            }
            assertThat(calls).as("%s: calls written on the walks", name).isPositive();
        }
    }

    @Test
    void shouldNameWhatIsWrongWithATag() {
        assertRefused("{\"structures\": [{\"begin\": \"<a>\", \"schema\": {}, \"end\": \"</a>\"}]}",
                "structural_tag.triggers must be a non-empty list");
        assertRefused("{\"triggers\": [\"<b\"], \"structures\": [{\"begin\": \"<a>\", \"schema\": {}, \"end\": \"\"}]}",
                "structural_tag.structures[0].begin must start with one of the triggers");
        assertRefused("{\"triggers\": [\"<a\"], \"structures\": [{\"begin\": \"<a>\", \"end\": \"</a>\"}]}",
                "structural_tag.structures[0] needs begin and end strings and a schema object");
        assertRefused("{\"triggers\": [\"<a\"], \"structures\": [{\"begin\": \"<a>\", \"schema\": {\"type\": \"array\","
                + " \"uniqueItems\": true}, \"end\": \"</a>\"}]}", "structural_tag.structures[0].schema: JSON schema keyword 'uniqueItems'");
    }

    private static void assertComplete(Recognizer start, String text) {
        Recognizer r = start.advance(text);
        assertThat(r).as(text).isNotNull();
        assertThat(r.isComplete()).as(text).isTrue();
    }

    private static void assertRefused(String tag, String message) {
        assertThatThrownBy(() -> StructuralTag.compile(Schemas.parse(tag))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
