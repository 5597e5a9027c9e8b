package io.quantserve.engine.benchserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

class BenchmarkReportTest {
    private static final ServingBenchmark.Run RUN = new ServingBenchmark.Run(List.of(
            new RequestResult(true, 10, 5, 0.1, List.of(0.02, 0.02, 0.03, 0.03), 0.2, null),
            new RequestResult(true, 10, 1, 0.3, List.of(), 0.3, null),
            RequestResult.failed("HTTP 503: busy", 0.01)), 2.0);

    @Test
    void shouldComputeThroughputFromSuccessfulRequestsOnlyAndTpotFromMultiTokenOutputs() {
        BenchmarkReport report = BenchmarkReport.of(RUN);
        assertThat(report.successful()).isEqualTo(2);
        assertThat(report.failed()).isEqualTo(1);
        assertThat(report.totalInputTokens()).isEqualTo(20);
        assertThat(report.totalOutputTokens()).isEqualTo(6);
        assertThat(report.requestThroughput()).isEqualTo(1.0);
        assertThat(report.outputTokenThroughput()).isEqualTo(3.0);
        assertThat(report.totalTokenThroughput()).isEqualTo(13.0);
        assertThat(report.ttft().meanMs()).isCloseTo(200, within(1e-9));
        assertThat(report.tpot().count()).isEqualTo(1);
        assertThat(report.tpot().meanMs()).isCloseTo(25, within(1e-9));
        assertThat(report.itl().medianMs()).isCloseTo(25, within(1e-9));
        assertThat(report.errors()).containsExactly(Map.entry("HTTP 503: busy", 1L));
    }

    @Test
    void theTableShouldCarryEveryHeadlineMetric() {
        String table = BenchmarkReport.of(RUN).format("Serving Benchmark Result");
        assertThat(table).contains("Successful requests:", "Failed requests:", "Benchmark duration (s):",
                "Total input tokens:", "Total generated tokens:", "Request throughput (req/s):",
                "Output token throughput (tok/s):", "Total token throughput (tok/s):", "Mean TTFT (ms):",
                "Median TPOT (ms):", "P99 ITL (ms):", "1 x HTTP 503: busy");
    }

    @Test
    void jsonShouldWriteMissingMetricsAsNull() {
        ServingBenchmark.Run allFailed = new ServingBenchmark.Run(List.of(RequestResult.failed("boom", 0.1)), 1.0);
        JsonNode json = new ObjectMapper().readTree(BenchmarkReport.of(allFailed).toJson(Map.of("model", "m")));
        assertThat(json.get("failed_requests").asInt()).isEqualTo(1);
        assertThat(json.get("mean_ttft_ms").isNull()).isTrue();
        assertThat(json.get("configuration").get("model").asString()).isEqualTo("m");
        assertThat(json.get("errors").get("boom").asInt()).isEqualTo(1);

        JsonNode ok = new ObjectMapper().readTree(BenchmarkReport.of(RUN).toJson(Map.of()));
        assertThat(ok.get("p99_itl_ms").asDouble()).isCloseTo(30, within(1e-9));
    }
}
