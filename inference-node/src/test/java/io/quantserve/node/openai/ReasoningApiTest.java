package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.testing.TestFixtures;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A node started with {@code --reasoning-parser deepseek_r1}: stories260K never closes a {@code </think>}, so by
 * DeepSeek-R1's rule its whole reply is thinking cut short: reasoning_content, no content; the same when streamed. A
 * reply constrained from its first token is not parsed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReasoningApiTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String ASK = "\"messages\": [{\"role\": \"user\", \"content\": \"Once upon a time\"}],"
            + " \"max_tokens\": 12, \"temperature\": 0";

    @DynamicPropertySource
    static void node(DynamicPropertyRegistry registry) {
        registry.add("quantserve.node.model", () -> TestFixtures.model("stories260K.gguf").toString());
        registry.add("quantserve.node.reasoning-parser", () -> "deepseek_r1");
    }

    @LocalServerPort
    int port;

    @Test
    void shouldReturnAnUnfinishedThoughtAsReasoningContentWholeAndStreamed() throws Exception {
        NodeHttp http = new NodeHttp(port);
        JsonNode message = http.ok(CHAT, "{" + ASK + "}").path("choices").get(0).path("message");
        String reasoning = message.path("reasoning_content").asString();
        assertThat(reasoning).isNotBlank();
        assertThat(message.path("content").isNull()).isTrue();

        List<JsonNode> chunks = http.stream(CHAT, "{" + ASK + ", \"stream\": true}");
        StringBuilder streamed = new StringBuilder();
        for (JsonNode chunk : chunks.subList(1, chunks.size())) {
            JsonNode delta = chunk.path("choices").get(0).path("delta");
            assertThat(delta.path("content").isMissingNode()).as(delta.toString()).isTrue();
            streamed.append(delta.path("reasoning_content").asString(""));
        }
        assertThat(streamed.toString()).isEqualTo(reasoning);
        assertThat(chunks.getLast().path("choices").get(0).path("finish_reason").asString()).isEqualTo("length");
    }

    @Test
    void shouldMakeTheThoughtAReasoningItemOfTheResponsesApiWholeAndStreamed() throws Exception {
        NodeHttp http = new NodeHttp(port);
        String reasoning = http.ok(CHAT, "{" + ASK + "}").path("choices").get(0).path("message")
                .path("reasoning_content").asString();
        String ask = "\"input\": \"Once upon a time\", \"max_output_tokens\": 12, \"temperature\": 0";

        JsonNode output = http.ok("/v1/responses", "{" + ask + "}").path("output");
        assertThat(output).hasSize(1);
        assertThat(output.get(0).path("type").asString()).isEqualTo("reasoning");
        assertThat(output.get(0).path("content").get(0).path("type").asString()).isEqualTo("reasoning_text");
        assertThat(output.get(0).path("content").get(0).path("text").asString()).isEqualTo(reasoning);

        HttpResponse<String> streamed = http.post("/v1/responses", "{" + ask + ", \"stream\": true}");
        List<String> types = new ArrayList<>();
        StringBuilder deltas = new StringBuilder();
        for (String line : streamed.body().split("\n")) {
            if (line.startsWith("data: ")) {
                JsonNode event = NodeHttp.JSON.readTree(line.substring(6));
                types.add(event.path("type").asString());
                if (event.path("type").asString().equals("response.reasoning_text.delta")) {
                    deltas.append(event.path("delta").asString());
                }
            }
        }
        assertThat(deltas.toString()).isEqualTo(reasoning);
        assertThat(types).startsWith("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added").endsWith("response.reasoning_text.done", "response.content_part.done",
                "response.output_item.done", "response.incomplete").doesNotContain("response.output_text.delta");
    }

    @Test
    void shouldStillSplitOffTheThoughtUnderTokenMasksThatDoNotShapeTheReply() throws Exception {
        // bad_words and allowed_token_ids mask tokens but leave the reply free to think first
        NodeHttp http = new NodeHttp(port);
        for (String masks : List.of("\"bad_words\": [\"dragon\"]", "\"allowed_token_ids\": "
                + IntStream.range(0, 512).boxed().toList())) {
            JsonNode message = http.ok(CHAT, "{" + ASK + ", " + masks + "}").path("choices").get(0).path("message");
            assertThat(message.path("reasoning_content").asString()).as(masks).isNotBlank();
            assertThat(message.path("content").isNull()).as(masks).isTrue();
        }
    }

    @Test
    void shouldLeaveAConstrainedReplyAsContent() throws Exception {
        JsonNode message = new NodeHttp(port).ok(CHAT, "{" + ASK + ", \"guided_choice\": [\"yes\", \"no\"]}")
                .path("choices").get(0).path("message");
        assertThat(message.path("content").asString()).isIn("yes", "no");
        assertThat(message.has("reasoning_content")).isFalse();
    }
}
