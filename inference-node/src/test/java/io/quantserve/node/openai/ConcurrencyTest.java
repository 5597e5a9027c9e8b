package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.models.completions.CompletionCreateParams;
import io.quantserve.node.engine.NodeEngine;
import io.quantserve.testing.TestFixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Many clients at once on a node whose KV cache is far smaller than they need together: batching and preemption
 * must not change any greedy output.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConcurrencyTest {

    @DynamicPropertySource
    static void node(DynamicPropertyRegistry registry) {
        registry.add("quantserve.node.model", () -> TestFixtures.model("stories260K.gguf").toString());
        // stories260K: 5 layers x 32 KV dims x 2 x 4 bytes = 1280 bytes per token; 24 blocks of 16 = 384 tokens,
        // while 32 requests of up to ~100 tokens each need ~3200
        registry.add("quantserve.node.engine.kv-cache-memory", () -> (24 * 16 * 1280) + "B");
        registry.add("quantserve.node.engine.max-num-seqs", () -> "16");
        registry.add("quantserve.node.engine.max-num-batched-tokens", () -> "64");
    }

    @LocalServerPort
    int port;

    @Autowired
    NodeEngine engine;

    OpenAIClient client;

    @BeforeEach
    void client() {
        client = OpenAiClients.of(port);
    }

    private CompletionCreateParams request(int i) {
        String[] starts = {"Once upon a time", "The little dog", "Lily wanted to", "One day, a bird", "Tom and Sue"};
        return CompletionCreateParams.builder().model("stories260K").prompt(starts[i % starts.length] + " " + i)
                .maxTokens(40 + i % 7 * 8).temperature(0.0).build();
    }

    private String streamed(CompletionCreateParams params) {
        StringBuilder text = new StringBuilder();
        try (var stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(c -> c.choices().forEach(x -> text.append(x.text())));
        }
        return text.toString();
    }

    @Test
    void shouldServeAtMostWhatTheKvCacheHoldsWhenTheModelContextIsLonger() {
        // stories260K's context is 512 tokens; the cache holds 24 blocks of 16
        assertThat(engine.model().maxModelLen()).isEqualTo(384);
        assertThat(client.models().list().items()).singleElement()
                .satisfies(m -> assertThat(m._additionalProperties().get("max_model_len").toString()).isEqualTo("384"));
        // a request that names no max_tokens gets what the (capped) context leaves, and fits the cache
        var completion = client.completions().create(CompletionCreateParams.builder().model("stories260K")
                .prompt("Once upon a time").temperature(0.0).build());
        assertThat(completion.usage().orElseThrow().totalTokens()).isLessThanOrEqualTo(384);
    }

    @Test
    void shouldGiveThirtyTwoParallelStreamsEachTheOutputItGetsAlone() throws Exception {
        int n = 32;
        List<String> alone = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            alone.add(client.completions().create(request(i)).choices().getFirst().text());
        }
        long preemptionsBefore = engine.stats().preemptions();
        List<CompletableFuture<String>> parallel = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                CompletionCreateParams params = request(i);
                parallel.add(CompletableFuture.supplyAsync(() -> streamed(params), pool));
            }
            for (int i = 0; i < n; i++) {
                assertThat(parallel.get(i).get()).as("request %d", i).isEqualTo(alone.get(i));
            }
        }
        assertThat(engine.stats().preemptions()).as("cache pressure preempts instead of failing")
                .isGreaterThan(preemptionsBefore);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.stats().kvCacheUsage() == 0);
    }
}
