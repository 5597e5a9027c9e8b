package io.quantserve.engine.benchserve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The summary of a run, with vLLM benchmark_serving's metrics and definitions: throughputs count successful requests
 * only, TPOT excludes single-token outputs, and input tokens of requests whose length is unknown (text prompts to a
 * server that sends no usage) count as zero.
 *
 * @param errors distinct failure messages with how many requests failed that way, most frequent first
 */
public record BenchmarkReport(int successful, int failed, double durationSeconds, long totalInputTokens,
        long totalOutputTokens, double requestThroughput, double outputTokenThroughput, double totalTokenThroughput,
        LatencyStats ttft, LatencyStats tpot, LatencyStats itl, LatencyStats e2el, Map<String, Long> errors) {

    public static BenchmarkReport of(ServingBenchmark.Run run) {
        List<RequestResult> ok = run.results().stream().filter(RequestResult::success).toList();
        long input = ok.stream().mapToLong(r -> Math.max(r.promptTokens(), 0)).sum();
        long output = ok.stream().mapToLong(RequestResult::outputTokens).sum();
        double duration = run.durationSeconds();
        List<Double> itl = new ArrayList<>();
        ok.forEach(r -> itl.addAll(r.interTokenLatencies()));
        Map<String, Long> errors = run.results().stream().filter(r -> !r.success())
                .collect(Collectors.groupingBy(RequestResult::error, Collectors.counting()));
        Map<String, Long> sortedErrors = new LinkedHashMap<>();
        errors.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sortedErrors.put(e.getKey(), e.getValue()));
        return new BenchmarkReport(ok.size(), run.results().size() - ok.size(), duration, input, output,
                ok.size() / duration, output / duration, (input + output) / duration,
                stats(ok, RequestResult::ttft),
                stats(ok.stream().filter(r -> r.outputTokens() > 1).toList(), RequestResult::tpot),
                LatencyStats.ofSeconds(itl), stats(ok, RequestResult::latency), sortedErrors);
    }

    private static LatencyStats stats(List<RequestResult> results, Function<RequestResult, Double> metric) {
        return LatencyStats.ofSeconds(results.stream().map(metric).toList());
    }

    /** The report as a table, laid out like vLLM's so the two can be read side by side. */
    public String format(String title) {
        StringBuilder s = new StringBuilder();
        s.append(center(" " + title + " ", '=')).append('\n');
        row(s, "Successful requests:", Integer.toString(successful));
        row(s, "Failed requests:", Integer.toString(failed));
        row(s, "Benchmark duration (s):", fmt(durationSeconds));
        row(s, "Total input tokens:", Long.toString(totalInputTokens));
        row(s, "Total generated tokens:", Long.toString(totalOutputTokens));
        row(s, "Request throughput (req/s):", fmt(requestThroughput));
        row(s, "Output token throughput (tok/s):", fmt(outputTokenThroughput));
        row(s, "Total token throughput (tok/s):", fmt(totalTokenThroughput));
        latency(s, "Time to First Token", "TTFT", ttft);
        latency(s, "Time per Output Token (excl. 1st token)", "TPOT", tpot);
        latency(s, "Inter-token Latency", "ITL", itl);
        latency(s, "End-to-end Latency", "E2EL", e2el);
        s.append("=".repeat(WIDTH)).append('\n');
        if (!errors.isEmpty()) {
            s.append("Errors:\n");
            errors.entrySet().stream().limit(5).forEach(e ->
                    s.append(String.format(Locale.ROOT, "  %5d x %s%n", e.getValue(), e.getKey())));
            if (errors.size() > 5) {
                s.append("  ... and ").append(errors.size() - 5).append(" other kinds\n");
            }
        }
        return s.toString();
    }

    /** The report as JSON; metrics without samples are null rather than NaN (which JSON cannot carry). */
    public String toJson(Map<String, Object> configuration) {
        ObjectMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        ObjectNode root = mapper.createObjectNode();
        root.set("configuration", mapper.valueToTree(configuration));
        root.put("successful_requests", successful);
        root.put("failed_requests", failed);
        put(root, "duration_s", durationSeconds);
        root.put("total_input_tokens", totalInputTokens);
        root.put("total_output_tokens", totalOutputTokens);
        put(root, "request_throughput", requestThroughput);
        put(root, "output_throughput", outputTokenThroughput);
        put(root, "total_token_throughput", totalTokenThroughput);
        for (Map.Entry<String, LatencyStats> metric : List.of(Map.entry("ttft", ttft), Map.entry("tpot", tpot),
                Map.entry("itl", itl), Map.entry("e2el", e2el))) {
            String name = metric.getKey();
            LatencyStats stats = metric.getValue();
            put(root, "mean_" + name + "_ms", stats.meanMs());
            put(root, "median_" + name + "_ms", stats.medianMs());
            put(root, "p90_" + name + "_ms", stats.p90Ms());
            put(root, "p99_" + name + "_ms", stats.p99Ms());
        }
        root.set("errors", mapper.valueToTree(errors));
        return mapper.writeValueAsString(root) + "\n";
    }

    private static final int WIDTH = 50;

    private static void put(ObjectNode node, String name, double value) {
        if (Double.isFinite(value)) {
            node.put(name, value);
        } else {
            node.putNull(name);
        }
    }

    private static void latency(StringBuilder s, String heading, String name, LatencyStats stats) {
        s.append(center(heading, '-')).append('\n');
        row(s, "Mean " + name + " (ms):", fmt(stats.meanMs()));
        row(s, "Median " + name + " (ms):", fmt(stats.medianMs()));
        row(s, "P90 " + name + " (ms):", fmt(stats.p90Ms()));
        row(s, "P99 " + name + " (ms):", fmt(stats.p99Ms()));
    }

    private static void row(StringBuilder s, String label, String value) {
        s.append(String.format(Locale.ROOT, "%-40s%10s%n", label, value));
    }

    private static String fmt(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.2f", value) : "n/a";
    }

    private static String center(String text, char fill) {
        int pad = Math.max(0, WIDTH - text.length());
        return String.valueOf(fill).repeat(pad / 2) + text + String.valueOf(fill).repeat(pad - pad / 2);
    }
}
