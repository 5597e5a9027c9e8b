package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HermesToolParserTest {

    @Test
    void shouldReadEachBlockAsACallAndTheTextBeforeTheFirstAsContent() {
        var parsed = HermesToolParser.INSTANCE.parse("Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\":"
                + " {\"city\": \"Paris\", \"days\": 2}}\n</tool_call>\n<tool_call>{\"name\": \"get_time\"}</tool_call>");
        assertThat(parsed.content()).isEqualTo("Let me check.\n");
        assertThat(parsed.calls()).containsExactly(
                new ToolCallParser.ParsedCall("get_weather", "{\"city\":\"Paris\",\"days\":2}"),
                new ToolCallParser.ParsedCall("get_time", "{}"));
    }

    @Test
    void shouldTakeAnUnclosedLastBlockAndLeaveBlankContentOut() {
        var parsed = HermesToolParser.INSTANCE.parse("  <tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}");
        assertThat(parsed.content()).isNull();
        assertThat(parsed.calls()).containsExactly(new ToolCallParser.ParsedCall("f", "{\"a\": 1}"));
    }

    @Test
    void shouldKeepTheWholeReplyAsContentWhenABlockIsNotACall() {
        String text = "Sure <tool_call>{\"name\": \"f\", \"arguments\": {</tool_call>";
        assertThat(HermesToolParser.INSTANCE.parse(text)).isEqualTo(new ToolCallParser.Parsed(text, java.util.List.of()));
        String noName = "<tool_call>{\"arguments\": {}}</tool_call>";
        assertThat(HermesToolParser.INSTANCE.parse(noName).calls()).isEmpty();
        assertThat(HermesToolParser.INSTANCE.parse("no calls here").content()).isEqualTo("no calls here");
    }

    @Test
    void shouldHoldBackOnlyWhatMayBeginABlockWhileStreaming() {
        assertThat(HermesToolParser.INSTANCE.streamableContent("Hello")).isEqualTo(5);
        assertThat(HermesToolParser.INSTANCE.streamableContent("Hello <tool")).isEqualTo(6);
        assertThat(HermesToolParser.INSTANCE.streamableContent("Hello <")).isEqualTo(6);
        assertThat(HermesToolParser.INSTANCE.streamableContent("a < b")).isEqualTo(5);
        assertThat(HermesToolParser.INSTANCE.streamableContent("Hi <tool_call>{\"na")).isEqualTo(3);
    }
}
