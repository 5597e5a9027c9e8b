package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.testing.TestFixtures;
import java.util.List;
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
    void shouldLeaveAConstrainedReplyAsContent() throws Exception {
        JsonNode message = new NodeHttp(port).ok(CHAT, "{" + ASK + ", \"guided_choice\": [\"yes\", \"no\"]}")
                .path("choices").get(0).path("message");
        assertThat(message.path("content").asString()).isIn("yes", "no");
        assertThat(message.has("reasoning_content")).isFalse();
    }
}
