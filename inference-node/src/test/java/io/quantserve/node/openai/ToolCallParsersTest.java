package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.node.openai.ToolCallParser.Parsed;
import io.quantserve.node.openai.ToolCallParser.ParsedCall;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The llama3_json and mistral tool call parsers, read whole and streamed (hermes: HermesToolParserTest). */
class ToolCallParsersTest {
    private static final ToolCallParser LLAMA = ToolCallParser.named("llama3_json");
    private static final ToolCallParser MISTRAL = ToolCallParser.named("mistral");

    @Test
    void llama3ReadsOneOrMoreJsonCallsWithParametersOrArguments() {
        assertThat(LLAMA.parse("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}")).isEqualTo(
                new Parsed(null, List.of(new ParsedCall("get_weather", "{\"city\":\"Paris\"}"))));
        assertThat(LLAMA.parse("<|python_tag|>{\"name\": \"a\", \"arguments\": {\"x\": [1, \"}\"]}}; "
                + "{\"name\": \"b\", \"parameters\": {}}\n").calls()).containsExactly(
                new ParsedCall("a", "{\"x\":[1,\"}\"]}"), new ParsedCall("b", "{}"));
        assertThat(LLAMA.parse("  {\"name\": \"c\"}").calls()).containsExactly(new ParsedCall("c", "{}"));
    }

    @Test
    void llama3LeavesTextThatIsNotWholeCallsAsContent() {
        for (String text : List.of("The weather is fine.", "Sure: {\"name\": \"a\", \"parameters\": {}}",
                "{\"name\": \"a\", \"parameters\": {}} and more", "{\"name\": \"a\", \"parameters\": {", "{\"x\": 1}",
                "{\"name\": \"a\", \"parameters\": \"x=1\"}")) {
            assertThat(LLAMA.parse(text)).as(text).isEqualTo(new Parsed(text, List.of()));
        }
    }

    @Test
    void llama3StreamsNothingOfAReplyThatBeginsWithACallAndAllOfAnyOther() {
        assertThat(LLAMA.streamableContent("")).isZero();
        assertThat(LLAMA.streamableContent("  {\"na")).isZero();
        assertThat(LLAMA.streamableContent("<|pyth")).isZero();
        assertThat(LLAMA.streamableContent("Hello")).isEqualTo(5);
        ToolCalling.Plan auto = new ToolCalling.Plan(ToolCalling.Mode.AUTO, List.of(), null, null, true, LLAMA);
        ToolCallStream stream = new ToolCallStream(auto);
        assertThat(stream.next("{\"name\": \"f\", ", false, null).deltas()).isEmpty();
        ToolCallStream.Out last = stream.next("\"parameters\": {\"q\": 1}}", true, "stop");
        assertThat(last.finishReason()).isEqualTo("tool_calls");
        assertThat(last.deltas()).singleElement().satisfies(d -> {
            assertThat(d.content()).isNull();
            assertThat(d.toolCalls().getFirst().function().name()).isEqualTo("f");
            assertThat(d.toolCalls().getFirst().function().arguments()).isEqualTo("{\"q\":1}");
        });
    }

    @Test
    void mistralReadsTheJsonListAfterItsMarkerAndTheContentBefore() {
        assertThat(MISTRAL.parse("Checking.[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\":"
                + " \"Paris\"}}, {\"name\": \"get_time\", \"arguments\": {}}]")).isEqualTo(new Parsed("Checking.",
                List.of(new ParsedCall("get_weather", "{\"city\":\"Paris\"}"), new ParsedCall("get_time", "{}"))));
        assertThat(MISTRAL.parse("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {\"a\": 1}}]").content()).isNull();
    }

    @Test
    void mistralReadsTheNameAndArgsFormOfNewerTokenizers() {
        assertThat(MISTRAL.parse("[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}[TOOL_CALLS]get_time[ARGS]{}"))
                .isEqualTo(new Parsed(null, List.of(new ParsedCall("get_weather", "{\"city\":\"Paris\"}"),
                        new ParsedCall("get_time", "{}"))));
    }

    @Test
    void mistralLeavesWhatDoesNotParseAsContentAndMintsNineCharacterIds() {
        for (String text : List.of("no calls", "[TOOL_CALLS][{\"name\": \"f\"", "[TOOL_CALLS]f{\"a\": 1}",
                "[TOOL_CALLS][{\"name\": \"f\", \"arguments\": 3}]", "[TOOL_CALLS][]")) {
            assertThat(MISTRAL.parse(text)).as(text).isEqualTo(new Parsed(text, List.of()));
        }
        assertThat(MISTRAL.streamableContent("Sure [TOOL")).isEqualTo(5);
        assertThat(MISTRAL.streamableContent("Sure [TOOL_CALLS][{")).isEqualTo(5);
        assertThat(MISTRAL.needsSpecialTokens()).isTrue();
        assertThat(MISTRAL.callId()).matches("[a-zA-Z0-9]{9}").isNotEqualTo(MISTRAL.callId());
        ToolCalling.Plan required = new ToolCalling.Plan(ToolCalling.Mode.REQUIRED, List.of(), null, null, true,
                MISTRAL);
        assertThat(required.callId()).as("every mode's ids fit the model's template").matches("[a-zA-Z0-9]{9}");
        assertThat(required.keepsSpecialTokens()).isFalse();
    }

    @Test
    void shouldNameTheSupportedParsers() {
        assertThat(ToolCallParser.named("")).isNull();
        assertThat(ToolCallParser.named("hermes")).isSameAs(HermesToolParser.INSTANCE);
        assertThatThrownBy(() -> ToolCallParser.named("pythonic")).hasMessage(
                "tool call parser 'pythonic' is not supported (supported: hermes, llama3_json, mistral)");
    }
}
