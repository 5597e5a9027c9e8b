package io.quantserve.engine.benchserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Whole runs against {@link FakeOpenAiServer}. Timing bounds are deliberately loose: the machine is shared. */
class ServingBenchmarkTest {
    private static final Duration FIRST = Duration.ofMillis(60);
    private static final Duration CHUNK = Duration.ofMillis(15);

    private static ServingBenchmark.Run run(FakeOpenAiServer server, List<BenchRequest> requests, int maxConcurrency)
            throws InterruptedException {
        return ServingBenchmark.run(new OpenAiStreamClient(server.endpoint(), "fake-model", null), requests,
                ArrivalSchedule.offsetsSeconds(requests.size(), Double.POSITIVE_INFINITY, new Random(0)), maxConcurrency);
    }

    @Test
    void shouldCountRequestsAndTokensAndMeasureTtftAndTpot() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer(FIRST, CHUNK, true, 0)) {
            List<BenchRequest> requests = Dataset.random(6, 16, 8, 100, 999, new Random(1));
            BenchmarkReport report = BenchmarkReport.of(run(server, requests, 0));

            assertThat(report.successful()).isEqualTo(6);
            assertThat(report.failed()).isZero();
            assertThat(report.totalInputTokens()).isEqualTo(6 * 16);
            assertThat(report.totalOutputTokens()).isEqualTo(6 * 8);
            assertThat(report.ttft().medianMs()).isGreaterThanOrEqualTo(FIRST.toMillis());
            assertThat(report.tpot().meanMs()).isBetween(0.7 * CHUNK.toMillis(), 10.0 * CHUNK.toMillis());
            assertThat(report.itl().count()).isEqualTo(6 * 7);
            assertThat(report.e2el().meanMs()).isGreaterThanOrEqualTo(FIRST.toMillis() + 7 * CHUNK.toMillis());
            assertThat(report.outputTokenThroughput()).isPositive();
        }
    }

    @Test
    void shouldSendStreamingGreedyRequestsWithTokenIdPrompts() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer(Duration.ZERO, Duration.ZERO, true, 0)) {
            BenchRequest request = Dataset.random(1, 5, 3, 100, 999, new Random(1)).getFirst();
            run(server, List.of(request), 0);
            JsonNode body = server.bodies.getFirst();
            assertThat(body.get("model").asString()).isEqualTo("fake-model");
            assertThat(body.get("prompt").isArray()).isTrue();
            assertThat(body.get("prompt").size()).isEqualTo(5);
            assertThat(body.get("prompt").get(0).asInt()).isEqualTo(request.tokenIds()[0]);
            assertThat(body.get("max_tokens").asInt()).isEqualTo(3);
            assertThat(body.get("stream").asBoolean()).isTrue();
            assertThat(body.get("stream_options").get("include_usage").asBoolean()).isTrue();
            assertThat(body.get("ignore_eos").asBoolean()).isTrue();
            assertThat(body.get("temperature").asInt()).isZero();
        }
    }

    @Test
    void shouldSendTheApiKeyAsABearerTokenWhenGivenOne() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer(Duration.ZERO, Duration.ZERO, true, 0)) {
            BenchRequest request = BenchRequest.ofText("hi", 2);
            assertThat(new OpenAiStreamClient(server.endpoint(), "m", " sk-test ").send(request).success()).isTrue();
            assertThat(new OpenAiStreamClient(server.endpoint(), "m", "").send(request).success()).isTrue();
            assertThat(new OpenAiStreamClient(server.endpoint(), "m", null).send(request).success()).isTrue();
            assertThat(server.authorizations).containsExactly("Bearer sk-test", "", "");
        }
    }

    @Test
    void withoutUsageShouldCountContentChunksAsTokens() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer(Duration.ZERO, Duration.ZERO, false, 0)) {
            BenchmarkReport report = BenchmarkReport.of(run(server, List.of(BenchRequest.ofText("hello", 4)), 0));
            assertThat(report.successful()).isEqualTo(1);
            assertThat(report.totalOutputTokens()).isEqualTo(4);
            assertThat(report.totalInputTokens()).isZero(); // text prompt, no tokenizer, no usage: unknown
        }
    }

    @Test
    void shouldNeverHaveMoreThanMaxConcurrencyRequestsInFlight() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer(Duration.ofMillis(20), Duration.ofMillis(10), true, 0)) {
            BenchmarkReport report = BenchmarkReport.of(run(server, Dataset.random(10, 4, 5, 100, 999, new Random(2)), 3));
            assertThat(report.successful()).isEqualTo(10);
            assertThat(server.maxInFlight()).isBetween(1, 3);
        }
        // The same workload uncapped does overlap further, so the check above can fail.
        try (FakeOpenAiServer server = new FakeOpenAiServer(Duration.ofMillis(200), Duration.ofMillis(10), true, 0)) {
            run(server, Dataset.random(10, 4, 5, 100, 999, new Random(2)), 0);
            assertThat(server.maxInFlight()).isGreaterThan(3);
        }
    }

    @Test
    void shouldCountAndReportFailedRequests() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer(Duration.ZERO, Duration.ZERO, true, 3)) {
            BenchmarkReport report = BenchmarkReport.of(run(server, Dataset.random(9, 4, 2, 100, 999, new Random(3)), 1));
            assertThat(report.successful()).isEqualTo(6);
            assertThat(report.failed()).isEqualTo(3);
            assertThat(report.totalOutputTokens()).isEqualTo(6 * 2);
            assertThat(report.errors()).hasSize(1);
            assertThat(report.errors().keySet().iterator().next()).startsWith("HTTP 500").contains("injected failure");
            assertThat(report.errors().values()).containsExactly(3L);
            assertThat(report.format("Serving Benchmark Result")).contains("Failed requests:", "3 x HTTP 500");
        }
    }

    @Test
    void anUnreachableServerShouldGiveFailedRequestsNotAnException() throws Exception {
        int port;
        try (FakeOpenAiServer server = new FakeOpenAiServer(Duration.ZERO, Duration.ZERO, true, 0)) {
            port = server.endpoint().getPort();
        }
        OpenAiStreamClient client = new OpenAiStreamClient(
                java.net.URI.create("http://127.0.0.1:" + port + "/v1/completions"), "m", null);
        RequestResult result = client.send(BenchRequest.ofText("hi", 2));
        assertThat(result.success()).isFalse();
        assertThat(result.error()).isNotBlank();
    }
}
