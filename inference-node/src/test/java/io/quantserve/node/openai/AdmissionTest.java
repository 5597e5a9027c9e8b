package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.errors.RateLimitException;
import com.openai.models.completions.CompletionCreateParams;
import io.quantserve.node.SlowModel;
import io.quantserve.node.engine.NodeEngine;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A node that runs two sequences and queues two more, on a model slow enough that requests are still running when
 * the test acts: the fifth request is refused with 429 and Retry-After, and a client that disconnects frees its
 * sequence and cache at once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdmissionTest {

    @DynamicPropertySource
    static void node(DynamicPropertyRegistry registry) {
        registry.add("quantserve.node.model", () -> SlowModel.path().toString());
        registry.add("quantserve.node.served-model-name", () -> "slow");
        registry.add("quantserve.node.engine.max-num-seqs", () -> "2");
        registry.add("quantserve.node.engine.max-waiting-requests", () -> "2");
        registry.add("quantserve.node.engine.kv-cache-memory", () -> "64MB");
    }

    @LocalServerPort
    int port;

    @Autowired
    NodeEngine engine;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpRequest completion(int maxTokens, boolean stream) {
        String body = "{\"model\":\"slow\",\"prompt\":\"Once upon a time\",\"max_tokens\":" + maxTokens
                + ",\"ignore_eos\":true,\"stream\":" + stream + "}";
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    @Test
    void shouldRefuseRequestsBeyondTheWaitingQueueWith429AndRetryAfter() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> admitted = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            admitted.add(http.sendAsync(completion(400, false), HttpResponse.BodyHandlers.ofString()));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.inFlight() == 4);

        HttpResponse<String> refused = http.send(completion(5, false), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.body()).contains("\"code\":\"server_overloaded\"");
        assertThatThrownBy(() -> OpenAiClients.of(port).completions().create(CompletionCreateParams.builder()
                .model("slow").prompt("Hi").maxTokens(5).build()))
                .isInstanceOf(RateLimitException.class);

        for (var response : admitted) {
            assertThat(response.get().statusCode()).isEqualTo(200);
            assertThat(response.get().body()).contains("\"completion_tokens\":400");
        }
        assertThat(engine.inFlight()).isZero();
    }

    @Test
    void shouldSendEveryEventAsSoonAsItIsReadyNotWhenABufferFills() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.inFlight() == 0);
        long tokensBefore = engine.stats().generationTokens();
        String body = "{\"model\":\"slow\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"max_tokens\":1000,\"ignore_eos\":true,\"stream\":true}";
        HttpResponse<java.util.stream.Stream<String>> response = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofLines());
        try (var lines = response.body()) {
            var it = lines.iterator();
            String roleChunk = it.next();
            // a server buffering its output would send nothing until ~8 KB of events (dozens of tokens) piled up
            long generated = engine.stats().generationTokens() - tokensBefore;
            assertThat(roleChunk).startsWith("data: ").contains("\"role\":\"assistant\"");
            assertThat(generated).as("tokens generated when the first event arrived").isLessThan(20);
        }
    }

    @Test
    void shouldStreamMultiByteTextWithoutSplittingACharacter() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.inFlight() == 0);
        var client = OpenAiClients.of(port);
        // random weights over the Llama-2 vocabulary: CJK pieces and byte-fallback tokens (<0xE3>...) come out
        var params = com.openai.models.completions.CompletionCreateParams.builder().model("slow")
                .prompt("日本語のテキスト: ").maxTokens(120).temperature(1.0).seed(11L).build();
        String whole = client.completions().create(params).choices().getFirst().text();
        List<String> pieces = new ArrayList<>();
        try (var stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(c -> c.choices().forEach(x -> pieces.add(x.text())));
        }
        assertThat(whole.chars().anyMatch(ch -> ch > 0x7f)).as("the output has non-ASCII text: %s", whole).isTrue();
        // a piece cut inside a character would decode to U+FFFD where the whole text has the character
        assertThat(String.join("", pieces)).isEqualTo(whole);
    }

    @Test
    void shouldFreeTheSequenceOfAClientThatDisconnectsMidStream() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.inFlight() == 0);
        long tokensBefore = engine.stats().generationTokens();
        // as many tokens as the context allows: the faster decode gets, the less time the abort has to beat the end
        // (1000 tokens of this model took about two seconds on 2 cores, and one CI run in several generated them all)
        int maxTokens = 2000;
        HttpResponse<InputStream> response = http.send(completion(maxTokens, true),
                HttpResponse.BodyHandlers.ofInputStream());
        InputStream in = response.body();
        byte[] first = in.readNBytes(100); // the first events: the request is running
        assertThat(new String(first, StandardCharsets.UTF_8)).startsWith("data: ");
        // the stats snapshot is published at the end of the engine step that sent the first tokens
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.stats().running() == 1
                && engine.stats().kvCacheUsage() > 0);
        in.close(); // the client goes away
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.stats().running() == 0
                && engine.stats().kvCacheUsage() == 0 && engine.inFlight() == 0);
        assertThat(engine.stats().generationTokens() - tokensBefore).as("tokens generated before the abort")
                .isLessThan(maxTokens);
    }
}
