package io.quantserve.node.openai;

import io.quantserve.node.generation.ChoiceDelta;
import io.quantserve.node.generation.Usage;
import io.quantserve.node.openai.ResponseBodies.DeltaEvent;
import io.quantserve.node.openai.ResponseBodies.ErrorEvent;
import io.quantserve.node.openai.ResponseBodies.Event;
import io.quantserve.node.openai.ResponseBodies.Item;
import io.quantserve.node.openai.ResponseBodies.ItemEvent;
import io.quantserve.node.openai.ResponseBodies.Part;
import io.quantserve.node.openai.ResponseBodies.PartEvent;
import io.quantserve.node.openai.ResponseBodies.Response;
import io.quantserve.node.openai.ResponseBodies.ResponseEvent;
import io.quantserve.node.openai.ResponseBodies.TextDoneEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The streamed events of one response: created and in_progress; then per output item (the reasoning, the message,
 * each function call) its added events, its text or argument deltas and its done events; completed or incomplete
 * with the whole response.
 */
final class ResponseEventStream {
    private final ResponseBodies.Frame frame;
    private final ReplyReader.Stream reply;
    private final List<Item> output = new ArrayList<>();
    private long sequence;
    private String open; // the type of the item being written: reasoning, message, function_call or null
    private final StringBuilder text = new StringBuilder(); // its text, or a call's arguments
    private String callId;
    private String callName;
    private String finishReason;

    ResponseEventStream(ResponseBodies.Frame frame, ReplyReader.Stream reply) {
        this.frame = frame;
        this.reply = reply;
    }

    List<Event> start() {
        Response started = frame.response("in_progress", List.of(), null);
        return List.of(new ResponseEvent("response.created", sequence++, started),
                new ResponseEvent("response.in_progress", sequence++, started));
    }

    List<Event> next(ChoiceDelta d) {
        List<Event> events = new ArrayList<>();
        ToolCallStream.Out out = reply.next(d);
        for (ChatCompletionResponses.Delta delta : out.deltas()) {
            if (delta.reasoningContent() != null) {
                write(events, "reasoning", delta.reasoningContent());
            }
            if (delta.content() != null && !delta.content().isEmpty()) {
                write(events, "message", delta.content());
            }
            for (ChatCompletionResponses.ToolCallDelta call : delta.toolCalls() == null
                    ? List.<ChatCompletionResponses.ToolCallDelta>of() : delta.toolCalls()) {
                if (call.id() != null) { // a new call: its own item
                    close(events, "completed");
                    open = "function_call";
                    callId = call.id();
                    callName = call.function().name();
                    events.add(new ItemEvent("response.output_item.added", sequence++, output.size(),
                            Item.functionCall(itemId(), "in_progress", callId, callName, "")));
                }
                String arguments = call.function().arguments();
                if (arguments != null && !arguments.isEmpty()) {
                    text.append(arguments);
                    events.add(new ResponseBodies.ArgumentsDeltaEvent("response.function_call_arguments.delta",
                            sequence++, itemId(), output.size(), arguments));
                }
            }
        }
        if (d.last()) {
            finishReason = out.finishReason();
        }
        return events;
    }

    /** A whole reply at once ({@code finishReason} "stop" or "length"): the response object its stream ends with. */
    Response whole(String text, String finishReason, Usage usage) {
        start();
        next(new ChoiceDelta(0, text, new int[0], List.of(), List.of(), finishReason));
        return ((ResponseEvent) end(usage).getLast()).response();
    }

    List<Event> end(Usage usage) {
        List<Event> events = new ArrayList<>();
        if (output.isEmpty() && open == null) { // nothing was written: an empty message
            write(events, "message", "");
        }
        String status = "length".equals(finishReason) ? "incomplete" : "completed";
        close(events, status);
        events.add(new ResponseEvent("response." + status, sequence++, frame.response(status, output, usage)));
        return events;
    }

    Event failed(String message) {
        return new ErrorEvent("error", sequence++, "server_error", message, null);
    }

    /** Text of a reasoning or message item: the item begins (after closing another) on its first text. */
    private void write(List<Event> events, String type, String delta) {
        if (!type.equals(open)) {
            close(events, "completed");
            open = type;
            Item item = textItem("in_progress", List.of());
            events.add(new ItemEvent("response.output_item.added", sequence++, output.size(), item));
            events.add(new PartEvent("response.content_part.added", sequence++, item.id(), output.size(), 0,
                    part("")));
        }
        if (!delta.isEmpty()) {
            text.append(delta);
            events.add(new DeltaEvent("response." + textKind() + ".delta", sequence++, itemId(), output.size(), 0,
                    delta));
        }
    }

    /** Ends the open item with {@code status}: its text (part) or arguments done, then the item done. */
    private void close(List<Event> events, String status) {
        if (open == null) {
            return;
        }
        String whole = text.toString();
        int index = output.size();
        Item done;
        if (open.equals("function_call")) {
            events.add(new ResponseBodies.ArgumentsDoneEvent("response.function_call_arguments.done", sequence++,
                    itemId(), index, whole));
            done = Item.functionCall(itemId(), status, callId, callName, whole);
        } else {
            events.add(new TextDoneEvent("response." + textKind() + ".done", sequence++, itemId(), index, 0,
                    whole));
            events.add(new PartEvent("response.content_part.done", sequence++, itemId(), index, 0, part(whole)));
            done = textItem(status, List.of(part(whole)));
        }
        events.add(new ItemEvent("response.output_item.done", sequence++, index, done));
        output.add(done);
        open = null;
        text.setLength(0);
    }

    private Item textItem(String status, List<Part> content) {
        return open.equals("reasoning") ? Item.reasoning(itemId(), status, content)
                : Item.message(itemId(), status, content);
    }

    private Part part(String whole) {
        return open.equals("reasoning") ? Part.reasoningText(whole) : Part.outputText(whole);
    }

    private String textKind() {
        return open.equals("reasoning") ? "reasoning_text" : "output_text";
    }

    private String itemId() {
        return switch (open) {
            case "reasoning" -> "rs_" + frame.id();
            case "message" -> "msg_" + frame.id();
            default -> "fc_" + callId;
        };
    }
}
