package io.quantserve.node.openai;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.json.JsonMapper;

/** Server-sent events as OpenAI streams them: {@code data: <json>} per event, then {@code data: [DONE]}. */
final class SseWriter {
    private final OutputStream out;
    private final JsonMapper json;

    SseWriter(OutputStream out, JsonMapper json) {
        this.out = out;
        this.json = json;
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
