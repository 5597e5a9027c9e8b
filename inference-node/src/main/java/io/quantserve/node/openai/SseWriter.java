package io.quantserve.node.openai;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Server-sent events as OpenAI streams them: chat and completion chunks as {@code data: <json>} per event, then
 * {@code data: [DONE]}; the Responses API's events as {@code event: <type>} and {@code data: <json>}, with no end
 * marker (its last event says it ended).
 */
final class SseWriter {
    private final OutputStream out;
    private final JsonMapper json;
    private final boolean named;

    SseWriter(OutputStream out, JsonMapper json, boolean named) {
        this.out = out;
        this.json = json;
        this.named = named;
    }

    /**
     * Starts an event stream on {@code response}. It is written on the request's own (virtual) thread to the servlet
     * stream, flushed every event: not through a StreamingResponseBody, whose stream Spring does not let us flush.
     */
    static SseWriter open(HttpServletResponse response, JsonMapper json) throws IOException {
        return open(response, json, false);
    }

    /** The same for the Responses API's named events ({@link ResponseBodies.Event}). */
    static SseWriter openNamed(HttpServletResponse response, JsonMapper json) throws IOException {
        return open(response, json, true);
    }

    private static SseWriter open(HttpServletResponse response, JsonMapper json, boolean named) throws IOException {
        response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        return new SseWriter(response.getOutputStream(), json, named);
    }

    /** Writes and flushes one event; an IOException means the client went away. */
    void event(Object body) throws IOException {
        String data = json.writeValueAsString(body);
        write(named ? "event: " + ((ResponseBodies.Event) body).type() + "\ndata: " + data : "data: " + data);
    }

    /** Ends the stream: {@code data: [DONE]}, except for named events. */
    void done() throws IOException {
        if (!named) {
            write("data: [DONE]");
        }
    }

    private void write(String event) throws IOException {
        out.write((event + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
