package io.quantserve.engine.cli;

import io.quantserve.engine.benchserve.ArrivalSchedule;
import io.quantserve.engine.benchserve.BenchRequest;
import io.quantserve.engine.benchserve.BenchmarkReport;
import io.quantserve.engine.benchserve.Dataset;
import io.quantserve.engine.benchserve.OpenAiStreamClient;
import io.quantserve.engine.benchserve.RequestResult;
import io.quantserve.engine.benchserve.ServingBenchmark;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench-serve", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Benchmark any OpenAI-compatible server like vLLM's benchmark_serving: streamed completions, "
                + "Poisson arrivals, TTFT / TPOT / ITL / end-to-end latency and throughput.")
final class BenchServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8000", description = "server base URL (default ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--endpoint", paramLabel = "PATH", defaultValue = "/v1/completions", description = "completions path on the server (default ${DEFAULT-VALUE})")
    String endpoint;

    @Option(names = "--model", paramLabel = "NAME", required = true, description = "model name sent in each request")
    String model;

    @Option(names = "--dataset", defaultValue = "random", paramLabel = "random|FILE",
            description = {"'random': prompts of --input-len random token ids;",
                "FILE: JSON Lines, one {\"prompt\": \"...\", \"output_len\": n (optional)} per line, cycled (default ${DEFAULT-VALUE})"})
    String dataset;

    @Option(names = "--input-len", paramLabel = "I", defaultValue = "1024", description = "prompt tokens with --dataset random (default ${DEFAULT-VALUE})")
    int inputLen;

    @Option(names = "--output-len", paramLabel = "O", defaultValue = "128", description = "tokens to generate per request (max_tokens, EOS ignored) unless the file says otherwise (default ${DEFAULT-VALUE})")
    int outputLen;

    @Option(names = "--num-prompts", paramLabel = "N", defaultValue = "1000", description = "requests to send (default ${DEFAULT-VALUE})")
    int numPrompts;

    @Option(names = "--request-rate", defaultValue = "inf", paramLabel = "R|inf",
            description = "requests per second, Poisson arrivals; inf sends all at once (default ${DEFAULT-VALUE})")
    String requestRate;

    @Option(names = "--max-concurrency", paramLabel = "C", defaultValue = "0", description = "most requests in flight at once; 0 = no cap (default ${DEFAULT-VALUE})")
    int maxConcurrency;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "seed of the random prompts and arrival times (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--random-token-range", defaultValue = Dataset.DEFAULT_MIN_TOKEN + "-" + Dataset.DEFAULT_MAX_TOKEN,
            paramLabel = "LO-HI", description = "token ids of random prompts, inclusive; must be ordinary tokens of the model's vocabulary (default ${DEFAULT-VALUE})")
    String tokenRange;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:OPENAI_API_KEY}",
            description = "sent as 'Authorization: Bearer KEY' (default: the OPENAI_API_KEY environment variable, if set)")
    String apiKey;

    @Option(names = "--result-json", paramLabel = "FILE", description = "also write the report as JSON to FILE")
    Path resultJson;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        double rate = parseRate();
        URI target = target();
        if (numPrompts < 1) {
            throw new ParameterException(spec.commandLine(), "--num-prompts must be at least 1, got " + numPrompts);
        }
        if (maxConcurrency < 0) {
            throw new ParameterException(spec.commandLine(), "--max-concurrency must be 0 (no cap) or positive");
        }
        // Separate streams so that changing the prompts (length, file) does not change the arrival times.
        List<BenchRequest> requests = requests(new Random(seed));
        double[] offsets = ArrivalSchedule.offsetsSeconds(numPrompts, rate, new Random(seed ^ 0x5DEECE66DL));

        out.printf("Endpoint: %s  model: %s%n", target, model);
        out.printf("Requests: %d  request rate: %s  max concurrency: %s%n", numPrompts, requestRate,
                maxConcurrency == 0 ? "none" : maxConcurrency);
        out.flush();
        OpenAiStreamClient client = new OpenAiStreamClient(target, model, apiKey);
        // Like vLLM, one untimed request first: a wrong URL or model name fails fast with the server's answer, and the
        // JVM's cold start (class loading, JIT, first connection) stays out of the measured latencies.
        RequestResult probe = client.send(requests.getFirst());
        if (!probe.success()) {
            spec.commandLine().getErr().println("error: initial test request to " + target + " failed: " + probe.error());
            return QuantServeCli.BAD_INPUT;
        }
        ServingBenchmark.Run run = ServingBenchmark.run(client, requests, offsets, maxConcurrency);
        BenchmarkReport report = BenchmarkReport.of(run);
        out.print(report.format("Serving Benchmark Result"));
        out.flush();
        if (resultJson != null) {
            writeJson(report, target);
        }
        if (report.successful() == 0) {
            spec.commandLine().getErr().println("error: all " + numPrompts + " requests failed");
            return QuantServeCli.BAD_INPUT;
        }
        return 0;
    }

    private List<BenchRequest> requests(Random random) throws Exception {
        if (dataset.equals("random")) {
            String[] range = tokenRange.split("-", -1);
            try {
                if (range.length == 2) {
                    return Dataset.random(numPrompts, inputLen, outputLen, Integer.parseInt(range[0].strip()),
                            Integer.parseInt(range[1].strip()), random);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new ParameterException(spec.commandLine(), "--random-token-range must be LO-HI, got " + tokenRange);
        }
        return Dataset.jsonLines(Path.of(dataset), numPrompts, outputLen);
    }

    private double parseRate() {
        if (requestRate.equalsIgnoreCase("inf")) {
            return Double.POSITIVE_INFINITY;
        }
        try {
            double rate = Double.parseDouble(requestRate);
            if (rate > 0 && Double.isFinite(rate)) {
                return rate;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ParameterException(spec.commandLine(), "--request-rate must be a positive number or inf, got " + requestRate);
    }

    private URI target() {
        if (!endpoint.startsWith("/")) {
            throw new ParameterException(spec.commandLine(), "--endpoint must start with /, got " + endpoint);
        }
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        try {
            URI uri = URI.create(base + endpoint);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--url must be an http(s) URL like http://host:8000, got " + url);
        }
    }

    /** Written next to the target and renamed into place, so a reader never sees half a report. */
    private void writeJson(BenchmarkReport report, URI target) throws Exception {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("endpoint", target.toString());
        config.put("model", model);
        config.put("dataset", dataset);
        config.put("input_len", dataset.equals("random") ? inputLen : null);
        config.put("output_len", outputLen);
        config.put("num_prompts", numPrompts);
        config.put("request_rate", requestRate);
        config.put("max_concurrency", maxConcurrency == 0 ? null : maxConcurrency);
        config.put("seed", seed);
        Path file = resultJson.toAbsolutePath();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, report.toJson(config), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
