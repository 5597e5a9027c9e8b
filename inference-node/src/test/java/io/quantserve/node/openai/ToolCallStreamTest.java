package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.node.openai.ChatCompletionResponses.Delta;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolCallStreamTest {
    private static final ToolCalling.Plan AUTO = new ToolCalling.Plan(ToolCalling.Mode.AUTO, List.of(), null, null, true,
            HermesToolParser.INSTANCE);

    @Test
    void autoStreamsContentUpToABlockAndSendsEachCallWholeAtTheEnd() {
        ToolCallStream stream = new ToolCallStream(AUTO);
        assertThat(contents(stream.next("Let me ", false, null))).containsExactly("Let me ");
        // "<to" may begin a block: held back
        assertThat(contents(stream.next("check.<to", false, null))).containsExactly("check.");
        assertThat(stream.next("ol_call>{\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}</tool_call>",
                false, null).deltas()).isEmpty();
        ToolCallStream.Out last = stream.next("<tool_call>{\"name\": \"get_weather\"}</tool_call>", true, "stop");
        assertThat(last.finishReason()).isEqualTo("tool_calls");
        assertThat(last.deltas()).hasSize(2).allSatisfy(d -> assertThat(d.content()).isNull());
        var first = last.deltas().get(0).toolCalls().getFirst();
        assertThat(first.index()).isZero();
        assertThat(first.id()).startsWith("chatcmpl-tool-");
        assertThat(first.function().name()).isEqualTo("get_time");
        assertThat(first.function().arguments()).isEqualTo("{\"zone\":\"UTC\"}");
        var second = last.deltas().get(1).toolCalls().getFirst();
        assertThat(second.index()).isEqualTo(1);
        assertThat(second.function().arguments()).isEqualTo("{}");
    }

    @Test
    void autoSendsWhatItHeldBackWhenNoCallFollows() {
        ToolCallStream stream = new ToolCallStream(AUTO);
        assertThat(contents(stream.next("a <tool", false, null))).containsExactly("a ");
        ToolCallStream.Out last = stream.next("s are fun", true, "length");
        assertThat(contents(last)).containsExactly("<tools are fun");
        assertThat(last.finishReason()).isEqualTo("length");
    }

    @Test
    void autoSendsTheTextBeforeABlockThatArrivesWithTheLastPiece() {
        ToolCallStream stream = new ToolCallStream(AUTO);
        ToolCallStream.Out last = stream.next("Sure.<tool_call>{\"name\": \"f\"}</tool_call>", true, "stop");
        assertThat(last.deltas().getFirst().content()).isEqualTo("Sure.");
        assertThat(last.deltas().get(1).toolCalls().getFirst().function().name()).isEqualTo("f");
    }

    @Test
    void autoKeepsOnlyTheFirstCallWithoutParallelToolCalls() {
        var single = new ToolCalling.Plan(ToolCalling.Mode.AUTO, List.of(), null, null, false,
                HermesToolParser.INSTANCE);
        ToolCallStream.Out last = new ToolCallStream(single).next("<tool_call>{\"name\": \"f\"}</tool_call>"
                + "<tool_call>{\"name\": \"g\"}</tool_call>", true, "stop");
        assertThat(last.deltas()).singleElement()
                .satisfies(d -> assertThat(d.toolCalls().getFirst().function().name()).isEqualTo("f"));
    }

    @Test
    void requiredStreamsEachCallsArgumentsAsTheyGrowAndEndsWithToolCalls() {
        var required = new ToolCalling.Plan(ToolCalling.Mode.REQUIRED, List.of(), null, null, true, null);
        String whole = "[{\"name\": \"f\", \"parameters\": {\"a\": \"xy\"}}, {\"name\": \"g\", \"parameters\": {}}]";
        ToolCallStream stream = new ToolCallStream(required);
        StringBuilder f = new StringBuilder();
        StringBuilder g = new StringBuilder();
        List<String> names = new java.util.ArrayList<>();
        String finish = null;
        for (int i = 0; i < whole.length(); i += 3) {
            boolean last = i + 3 >= whole.length();
            ToolCallStream.Out out = stream.next(whole.substring(i, Math.min(whole.length(), i + 3)), last,
                    last ? "stop" : null);
            for (Delta d : out.deltas()) {
                var call = d.toolCalls().getFirst();
                if (call.id() != null) {
                    names.add(call.function().name());
                }
                (call.index() == 0 ? f : g).append(call.function().arguments());
            }
            finish = out.finishReason();
        }
        assertThat(names).containsExactly("f", "g");
        assertThat(f.toString()).isEqualTo("{\"a\": \"xy\"}");
        assertThat(g.toString()).isEqualTo("{}");
        assertThat(finish).isEqualTo("tool_calls");
        // the whole reply gives the same arguments
        assertThat(ToolCalling.reply(required, whole).calls()).extracting(ToolCalling.Call::arguments)
                .containsExactly("{\"a\": \"xy\"}", "{}");
    }

    private static List<String> contents(ToolCallStream.Out out) {
        return out.deltas().stream().map(Delta::content).toList();
    }
}
