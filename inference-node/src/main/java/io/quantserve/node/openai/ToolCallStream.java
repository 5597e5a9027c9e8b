package io.quantserve.node.openai;

import io.quantserve.node.openai.ChatCompletionResponses.Delta;
import io.quantserve.node.openai.ChatCompletionResponses.FunctionDelta;
import io.quantserve.node.openai.ChatCompletionResponses.ToolCallDelta;
import java.util.ArrayList;
import java.util.List;

/**
 * One streamed choice under a tool plan: the deltas the client gets as the text comes. A named function and
 * "required" stream each call's arguments as they are generated (the first piece of a call with its id and name);
 * "auto" streams content up to where a tool-call block may begin and sends the calls, each whole, at the end.
 */
final class ToolCallStream {
    /** What one piece of text becomes: deltas (maybe none yet) and, on the last piece, the finish reason. */
    record Out(List<Delta> deltas, String finishReason) {
    }

    private final ToolCalling.Plan plan;
    private final StringBuilder text = new StringBuilder();
    private int contentSent;
    private String namedId;
    private final List<String> callIds = new ArrayList<>();         // "required": the calls begun so far
    private final List<Integer> argumentsSent = new ArrayList<>(); // and the text offset each one's arguments reached

    ToolCallStream(ToolCalling.Plan plan) {
        this.plan = plan;
    }

    Out next(String piece, boolean last, String finishReason) {
        List<Delta> deltas = new ArrayList<>();
        switch (plan.mode()) {
            case NONE -> {
                if (!piece.isEmpty()) {
                    deltas.add(Delta.content(piece));
                }
                return new Out(deltas, finishReason);
            }
            case NAMED -> {
                if (!piece.isEmpty()) {
                    boolean first = namedId == null;
                    if (first) {
                        namedId = plan.callId();
                    }
                    deltas.add(new Delta(null, null, List.of(first
                            ? new ToolCallDelta(0, namedId, "function", new FunctionDelta(plan.named(), piece))
                            : new ToolCallDelta(0, null, null, new FunctionDelta(null, piece)))));
                }
                return new Out(deltas, finishReason);
            }
            case REQUIRED -> {
                text.append(piece);
                String sofar = text.toString();
                List<RequiredCalls.Seen> seen = RequiredCalls.scan(sofar);
                for (int i = 0; i < seen.size(); i++) {
                    RequiredCalls.Seen call = seen.get(i);
                    if (i == callIds.size()) { // a new call: its id, type and name with the arguments so far
                        callIds.add(plan.callId());
                        argumentsSent.add(call.argumentsEnd());
                        deltas.add(new Delta(null, null, List.of(new ToolCallDelta(i, callIds.get(i), "function",
                                new FunctionDelta(call.name(), call.arguments(sofar))))));
                    } else if (call.argumentsEnd() > argumentsSent.get(i)) {
                        deltas.add(new Delta(null, null, List.of(new ToolCallDelta(i, null, null,
                                new FunctionDelta(null, sofar.substring(argumentsSent.get(i), call.argumentsEnd()))))));
                        argumentsSent.set(i, call.argumentsEnd());
                    }
                }
                if (!last) {
                    return new Out(deltas, null);
                }
                ToolCalling.Reply reply = ToolCalling.reply(plan, sofar);
                if (callIds.isEmpty()) { // no call began: the text as it is
                    sendContent(deltas, text.length());
                }
                return new Out(deltas, ToolCalling.finishReason(plan, reply, finishReason));
            }
            case AUTO -> {
                text.append(piece);
                if (!last) {
                    sendContent(deltas, plan.parser().streamableContent(text.toString()));
                    return new Out(deltas, null);
                }
                ToolCalling.Reply reply = ToolCalling.reply(plan, text.toString());
                if (reply.calls().isEmpty()) {
                    sendContent(deltas, text.length());
                } else {
                    if (reply.content() != null) { // the text before the first call (a prefix of the text)
                        sendContent(deltas, reply.content().length());
                    }
                    for (int i = 0; i < reply.calls().size(); i++) {
                        ToolCalling.Call call = reply.calls().get(i);
                        deltas.add(new Delta(null, null, List.of(new ToolCallDelta(i, call.id(), "function",
                                new FunctionDelta(call.name(), call.arguments())))));
                    }
                }
                return new Out(deltas, ToolCalling.finishReason(plan, reply, finishReason));
            }
        }
        throw new AssertionError(plan.mode());
    }

    private void sendContent(List<Delta> deltas, int upTo) {
        if (upTo > contentSent) {
            deltas.add(Delta.content(text.substring(contentSent, upTo)));
            contentSent = upTo;
        }
    }
}
