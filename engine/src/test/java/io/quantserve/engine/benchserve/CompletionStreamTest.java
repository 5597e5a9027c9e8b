package io.quantserve.engine.benchserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Event-stream parsing with made-up arrival times (nanoseconds from 0 = sent). */
class CompletionStreamTest {
    private static final long MS = 1_000_000;

    private static void event(CompletionStream stream, String data, long atMs) {
        stream.line("data: " + data, atMs * MS);
        stream.line("", atMs * MS);
    }

    private static String text(String text) {
        return "{\"choices\":[{\"index\":0,\"text\":\"" + text + "\"}]}";
    }

    @Test
    void shouldTimeTextChunksAndPreferTheUsageCount() {
        CompletionStream stream = new CompletionStream(0, 12);
        stream.line(": keep-alive comment", 1 * MS);
        event(stream, text(""), 50); // no text yet: not the first token
        event(stream, text("a"), 100);
        event(stream, text("bc"), 130); // two tokens in one chunk
        event(stream, text("d"), 170);
        event(stream, "{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4}}", 171);
        event(stream, "[DONE]", 172);
        assertThat(stream.finished()).isTrue();
        RequestResult r = stream.end(175 * MS, null);
        assertThat(r.success()).isTrue();
        assertThat(r.ttft()).isCloseTo(0.100, within(1e-9));
        assertThat(r.interTokenLatencies()).containsExactly(0.030, 0.040);
        assertThat(r.outputTokens()).isEqualTo(4);
        assertThat(r.promptTokens()).isEqualTo(12);
        assertThat(r.latency()).isCloseTo(0.175, within(1e-9));
        assertThat(r.tpot()).isCloseTo(0.075 / 3, within(1e-9));
    }

    @Test
    void withoutUsageShouldCountContentChunksAndKeepTheDatasetPromptLength() {
        CompletionStream stream = new CompletionStream(0, 8);
        event(stream, text("a"), 10);
        event(stream, text("b"), 20);
        event(stream, "[DONE]", 21);
        RequestResult r = stream.end(21 * MS, null);
        assertThat(r.outputTokens()).isEqualTo(2);
        assertThat(r.promptTokens()).isEqualTo(8);
    }

    @Test
    void shouldJoinMultiLineDataFieldsIntoOneEvent() {
        CompletionStream stream = new CompletionStream(0, 1);
        stream.line("data: {\"choices\":", 10 * MS);
        stream.line("data: [{\"text\":\"x\"}]}", 10 * MS);
        stream.line("", 10 * MS);
        event(stream, "[DONE]", 11);
        assertThat(stream.end(11 * MS, null).success()).isTrue();
    }

    @Test
    void aStreamEndingWithoutDoneShouldFail() {
        CompletionStream stream = new CompletionStream(0, 1);
        event(stream, text("a"), 10);
        RequestResult r = stream.end(20 * MS, null);
        assertThat(r.success()).isFalse();
        assertThat(r.error()).contains("[DONE]");
    }

    @Test
    void anErrorEventOrAnIoFailureShouldFailTheRequestWithTheirMessage() {
        CompletionStream stream = new CompletionStream(0, 1);
        event(stream, "{\"error\":{\"message\":\"out of memory\"}}", 10);
        assertThat(stream.finished()).isTrue();
        assertThat(stream.end(10 * MS, null).error()).isEqualTo("server error: out of memory");

        CompletionStream broken = new CompletionStream(0, 1);
        event(broken, text("a"), 10);
        assertThat(broken.end(10 * MS, "IOException: connection reset").error()).isEqualTo("IOException: connection reset");
    }

    @Test
    void aMalformedChunkShouldFailTheRequest() {
        CompletionStream stream = new CompletionStream(0, 1);
        event(stream, "{not json", 10);
        assertThat(stream.end(10 * MS, null).error()).startsWith("malformed stream chunk");
    }
}
