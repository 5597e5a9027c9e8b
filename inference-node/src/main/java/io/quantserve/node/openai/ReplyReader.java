package io.quantserve.node.openai;

import io.quantserve.node.generation.ChoiceDelta;
import io.quantserve.node.generation.GenerationParams;
import io.quantserve.node.openai.ChatCompletionResponses.Delta;
import java.util.ArrayList;
import java.util.List;

/**
 * How one request's replies are read, whole or streamed: a thinking model's reasoning split off first (with a
 * reasoning parser), the rest read for tool calls under the request's plan. A reply constrained from its first token
 * (a named or required call, a response format) cannot think, so it is not parsed for reasoning.
 */
final class ReplyReader {
    /** A whole reply: its reasoning (null when it did not think) and the rest, read for tool calls. */
    record Whole(String reasoning, ToolCalling.Reply reply) {
    }

    private final ReasoningParser reasoning; // null: the reply is content as it comes
    private final ToolCalling.Plan plan;

    ReplyReader(ReasoningParser configured, ToolCalling.Plan plan, GenerationParams params) {
        this.reasoning = params.shaped() ? null : configured;
        this.plan = plan;
    }

    Whole whole(String text) {
        ReasoningParser.Split split = reasoning == null ? new ReasoningParser.Split(null, text) : reasoning.split(text);
        return new Whole(split.reasoning(), split.content() == null ? new ToolCalling.Reply(null, List.of())
                : ToolCalling.reply(plan, split.content()));
    }

    Stream stream() {
        return new Stream(reasoning == null ? null : reasoning.stream(), new ToolCallStream(plan));
    }

    /** One streamed choice: per delta, a reasoning delta (when it thought) before the content and tool-call deltas. */
    record Stream(ReasoningParser.Stream reasoning, ToolCallStream tools) {
        ToolCallStream.Out next(ChoiceDelta d) {
            if (reasoning == null) {
                return tools.next(d.text(), d.last(), d.finishReason());
            }
            ReasoningParser.Piece piece = reasoning.next(d.text(), d.last());
            ToolCallStream.Out out = tools.next(piece.content(), d.last(), d.finishReason());
            if (piece.reasoning().isEmpty()) {
                return out;
            }
            List<Delta> deltas = new ArrayList<>(out.deltas().size() + 1);
            deltas.add(Delta.reasoning(piece.reasoning()));
            deltas.addAll(out.deltas());
            return new ToolCallStream.Out(deltas, out.finishReason());
        }
    }
}
