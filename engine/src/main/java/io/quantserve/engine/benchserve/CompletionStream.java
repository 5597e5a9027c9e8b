package io.quantserve.engine.benchserve;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Turns the Server-Sent Events of one streamed completion into a {@link RequestResult}. Fed line by line with the
 * time each line arrived, so it can be tested without a network.
 */
final class CompletionStream {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long sentNanos;
    private final int datasetPromptTokens;
    private final StringBuilder data = new StringBuilder();
    private final List<Double> gaps = new ArrayList<>();
    private long firstTextNanos = -1;
    private long lastTextNanos = -1;
    private int textChunks;
    private int usagePromptTokens = -1;
    private int usageCompletionTokens = -1;
    private boolean done;
    private String error;

    CompletionStream(long sentNanos, int datasetPromptTokens) {
        this.sentNanos = sentNanos;
        this.datasetPromptTokens = datasetPromptTokens;
    }

    /** Whether the stream is over ({@code [DONE]} seen, or the server reported an error). */
    boolean finished() {
        return done || error != null;
    }

    /**
     * One line of the event stream. Per the SSE format an event is its {@code data:} lines joined by newlines and
     * ends at a blank line; other fields ({@code event:}, {@code id:}) and comments ({@code :...}) carry nothing here.
     */
    void line(String line, long nowNanos) {
        if (line.isEmpty()) {
            dispatch(nowNanos);
        } else if (line.startsWith("data:")) {
            if (!data.isEmpty()) {
                data.append('\n');
            }
            String value = line.substring(5);
            data.append(value.startsWith(" ") ? value.substring(1) : value);
        }
    }

    /** The stream has ended (or broke with {@code failure}, non-null); the request's outcome. */
    RequestResult end(long nowNanos, String failure) {
        dispatch(nowNanos); // a last event without its blank line still counts
        double latency = seconds(nowNanos);
        if (error == null && failure != null) {
            error = failure;
        }
        if (error == null && !done) {
            error = "stream ended before data: [DONE]";
        }
        if (error == null && textChunks == 0) {
            error = "no text generated";
        }
        if (error != null) {
            return RequestResult.failed(error, latency);
        }
        int promptTokens = usagePromptTokens >= 0 ? usagePromptTokens : datasetPromptTokens;
        // Several tokens may share a chunk (or a token may yield no text), so usage is the true count when sent.
        int outputTokens = usageCompletionTokens >= 0 ? usageCompletionTokens : textChunks;
        return new RequestResult(true, promptTokens, outputTokens, seconds(firstTextNanos), List.copyOf(gaps), latency,
                null);
    }

    private void dispatch(long nowNanos) {
        if (data.isEmpty()) {
            return;
        }
        String payload = data.toString();
        data.setLength(0);
        if (finished()) {
            return;
        }
        if (payload.strip().equals("[DONE]")) {
            done = true;
            return;
        }
        JsonNode chunk;
        try {
            chunk = JSON.readTree(payload);
        } catch (JacksonException e) {
            error = "malformed stream chunk: " + abbreviate(payload);
            return;
        }
        if (chunk.hasNonNull("error")) {
            JsonNode message = chunk.get("error").get("message");
            error = "server error: " + (message != null ? message.asString() : abbreviate(chunk.get("error").toString()));
            return;
        }
        JsonNode choices = chunk.get("choices");
        if (choices != null && choices.isArray() && !choices.isEmpty()) {
            JsonNode text = choices.get(0).get("text");
            if (text != null && text.isString() && !text.asString().isEmpty()) {
                textArrived(nowNanos);
            }
        }
        JsonNode usage = chunk.get("usage");
        if (usage != null && usage.isObject()) {
            usagePromptTokens = usage.path("prompt_tokens").asInt(-1);
            usageCompletionTokens = usage.path("completion_tokens").asInt(-1);
        }
    }

    private void textArrived(long nowNanos) {
        if (firstTextNanos < 0) {
            firstTextNanos = nowNanos;
        } else {
            gaps.add((nowNanos - lastTextNanos) / 1e9);
        }
        lastTextNanos = nowNanos;
        textChunks++;
    }

    private double seconds(long nanos) {
        return (nanos - sentNanos) / 1e9;
    }

    static String abbreviate(String s) {
        String oneLine = s.replace('\n', ' ').strip();
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }
}
