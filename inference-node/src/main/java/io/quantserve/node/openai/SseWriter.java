package io.quantserve.node.openai;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/** Server-sent events as OpenAI streams them: {@code data: <json>} per event, then {@code data: [DONE]}. */
final class SseWriter {
    private final OutputStream out;
    private final JsonMapper json;

    SseWriter(OutputStream out, JsonMapper json) {
        this.out = out;
        this.json = json;
    }

    /**
     * Starts an event stream on {@code response}. It is written on the request's own (virtual) thread to the servlet
     * stream, flushed every event: not through a StreamingResponseBody, whose stream Spring does not let us flush.
     */
    static SseWriter open(HttpServletResponse response, JsonMapper json) throws IOException {
        response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        return new SseWriter(response.getOutputStream(), json);
    }

    /** Writes and flushes one event; an IOException means the client went away. */
    void event(Object body) throws IOException {
        write(json.writeValueAsString(body));
    }

    void done() throws IOException {
        write("[DONE]");
    }

    private void write(String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
