package io.quantserve.node.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quantserve.node.NodeApplication;
import io.quantserve.node.SlowModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Shutting the node down (what SIGTERM does: the context closes) drains it: new requests get 503 and health goes
 * out of service while running streams finish; past the drain timeout the rest end with an error event.
 */
class DrainTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private static ConfigurableApplicationContext start(String drainTimeout) {
        return SpringApplication.run(NodeApplication.class, "--server.port=0",
                "--quantserve.node.model=" + SlowModel.path(), "--quantserve.node.served-model-name=slow",
                "--quantserve.node.drain-timeout=" + drainTimeout);
    }

    private static HttpRequest completion(int port, int maxTokens, boolean stream) {
        String body = "{\"model\":\"slow\",\"prompt\":\"Once upon a time\",\"max_tokens\":" + maxTokens
                + ",\"ignore_eos\":true,\"stream\":" + stream + "}";
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    @Test
    void shouldFinishRunningStreamsAndRefuseNewRequestsWhileDraining() throws Exception {
        ConfigurableApplicationContext context = start("60s");
        int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
        NodeEngine engine = context.getBean(NodeEngine.class);
        CompletableFuture<HttpResponse<String>> running = http.sendAsync(completion(port, 300, true),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.stats().running() == 1);

        CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.state() == NodeEngine.State.DRAINING);
        HttpResponse<String> refused = http.send(completion(port, 5, false), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("shutting down");
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(503);

        HttpResponse<String> stream = running.get();
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("\"finish_reason\":\"length\"").endsWith("data: [DONE]\n\n");
        closed.get();
        assertThat(engine.state()).isEqualTo(NodeEngine.State.STOPPED);
    }

    @Test
    void shouldEndWhatIsStillRunningAtTheDrainTimeout() throws Exception {
        ConfigurableApplicationContext context = start("1s");
        int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
        NodeEngine engine = context.getBean(NodeEngine.class);
        CompletableFuture<HttpResponse<String>> running = http.sendAsync(completion(port, 2000, true),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.stats().running() == 1);
        long start = System.nanoTime();
        context.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        HttpResponse<String> stream = running.get();
        assertThat(stream.body()).contains("\"type\":\"server_error\"").endsWith("data: [DONE]\n\n");
    }
}
