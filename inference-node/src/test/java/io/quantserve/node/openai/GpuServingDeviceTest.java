package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quantserve.engine.bench.SyntheticCheckpoint;
import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.CudaProbe;
import io.quantserve.engine.gpu.EmulatedCuda;
import io.quantserve.engine.gpu.model.GpuKvCache;
import io.quantserve.engine.model.Architecture;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.model.RopeScaling;
import io.quantserve.engine.tensor.DType;
import io.quantserve.node.NodeApplication;
import io.quantserve.node.engine.NodeEngine;
import io.quantserve.testing.TestFixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The inference node on the GPU backend — a CUDA device, or the host CUDA emulation in the emulated-device-tests run
 * — serving a 4-bit AWQ model (random weights, Llama 2's tokenizer) under the same scheduler, paged KV cache and HTTP
 * front as on the CPU: greedy completions sent all at once, half of them streamed, on a KV cache too small for all of
 * them (so they preempt each other), must give the tokens each gets alone from a CPU node serving the same folder. The
 * one allowance: the device computes activations in fp16 and the CPU in fp32, so where the CPU's two best tokens lie
 * within {@link #NEAR_TIE} of each other either may come first, and the sequences part there. Besides: echoed
 * prompts scored as the CPU scores them (lm-eval), and a seeded completion drawn on the device the same each time.
 */
class GpuServingDeviceTest {
    /** Logprob gap (nats) under which two tokens count as tied at fp16 rounding. */
    static final double NEAR_TIE = 0.02;
    /**
     * Largest difference allowed between the device's and the CPU's logprob of the same token at the same step (0.003
     * measured on the emulation; a random model's logprobs are all near -ln 32000, so its near ties are many).
     */
    static final double LOGPROB_TOLERANCE = 0.02;
    static final int REQUESTS = 6;
    static final int MAX_TOKENS = 12;

    // 2 layers, hidden 128, GQA 4/2 of 32 dims, Llama 2's 32K vocabulary; AWQ groups of 128 divide every input size
    static final ModelConfig SHAPE = new ModelConfig(Architecture.LLAMA, 128, 256, 2, 4, 2, 32, 32000, 1e-5f, 10000.0,
            new RopeScaling.None(), 2048, false, false, 0, 1, List.of(2));
    // GPU KV cache: 3 blocks of 16 tokens, where all but the shortest request end up needing 2: any two of them
    // running together preempt
    static final int KV_BLOCKS = 3;

    @TempDir
    static Path dir;
    static ConfigurableApplicationContext gpu;
    static ConfigurableApplicationContext cpu;

    @BeforeAll
    static void nodes() throws Exception {
        if (EmulatedCuda.requested()) {
            String missing = EmulatedCuda.load();
            assumeTrue(missing == null, () -> "GPU tests skipped: " + missing);
        }
        CudaProbe.Result probe = CudaProbe.probe();
        assumeTrue(probe.available(), () -> "GPU tests skipped: no CUDA device (" + probe.detail() + ")");

        Path model = new SyntheticCheckpoint(SHAPE, DType.F16, 7).withAwq(128)
                .withTokenizer(TestFixtures.root().resolve("tokenizers/llama2/tokenizer.model")).write(dir.resolve("awq"));
        long kvBytes = KV_BLOCKS * GpuKvCache.bytesPerBlock(SHAPE, ActivationType.F16, 16);
        gpu = node(model, "cuda", "--quantserve.node.engine.kv-cache-memory=" + kvBytes + "B");
        cpu = node(model, "cpu");
    }

    private static ConfigurableApplicationContext node(Path model, String backend, String... more) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--quantserve.node.model=" + model,
                "--quantserve.node.served-model-name=awq", "--quantserve.node.engine.backend=" + backend,
                "--quantserve.node.engine.max-num-seqs=8", "--quantserve.node.engine.max-num-batched-tokens=64"));
        args.addAll(List.of(more));
        return SpringApplication.run(NodeApplication.class, args.toArray(String[]::new));
    }

    @AfterAll
    static void close() {
        for (ConfigurableApplicationContext node : new ConfigurableApplicationContext[] {gpu, cpu}) {
            if (node != null) {
                node.close();
            }
        }
    }

    private static NodeHttp http(ConfigurableApplicationContext node) {
        return new NodeHttp(node.getEnvironment().getRequiredProperty("local.server.port", Integer.class));
    }

    private static String request(int i, boolean stream) {
        String[] starts = {"Once upon a time", "The capital of France is", "1, 2, 3,", "def main():",
                "Dear Sir or Madam, I write", "ab"};
        return """
                {"model": "awq", "prompt": "%s", "max_tokens": %d, "temperature": 0, "ignore_eos": true,
                 "logprobs": 2, "stream": %b}""".formatted(starts[i % starts.length], MAX_TOKENS, stream);
    }

    /** One step of a completion: the token, its logprob, and the top two (token → logprob). */
    record Step(String token, double logprob, Map<String, Double> top) {
        double gap() {
            List<Double> best = top.values().stream().sorted((a, b) -> Double.compare(b, a)).toList();
            return best.size() < 2 ? Double.POSITIVE_INFINITY : best.get(0) - best.get(1);
        }
    }

    private static List<Step> steps(JsonNode logprobs) {
        List<Step> steps = new ArrayList<>();
        for (int t = 0; t < logprobs.path("tokens").size(); t++) {
            Map<String, Double> top = new LinkedHashMap<>();
            logprobs.path("top_logprobs").get(t).properties().forEach(e -> top.put(e.getKey(), e.getValue().asDouble()));
            steps.add(new Step(logprobs.path("tokens").get(t).asString(),
                    logprobs.path("token_logprobs").get(t).asDouble(), top));
        }
        return steps;
    }

    private static List<Step> completion(NodeHttp node, int i, boolean stream) {
        try {
            if (!stream) {
                return steps(node.ok("/v1/completions", request(i, false)).path("choices").get(0).path("logprobs"));
            }
            List<Step> steps = new ArrayList<>();
            for (JsonNode chunk : node.stream("/v1/completions", request(i, true))) {
                for (JsonNode choice : chunk.path("choices")) {
                    if (choice.has("logprobs") && !choice.path("logprobs").isNull()) {
                        steps.addAll(steps(choice.path("logprobs")));
                    }
                }
            }
            return steps;
        } catch (Exception e) {
            throw new IllegalStateException("request " + i, e);
        }
    }

    @Test
    void shouldServeConcurrentRequestsOnTheDeviceAsTheCpuServesEachAlone() throws Exception {
        NodeEngine engine = gpu.getBean(NodeEngine.class);
        assertThat(engine.backend()).isEqualTo("cuda");
        assertThat(cpu.getBean(NodeEngine.class).backend()).isEqualTo("cpu");

        List<List<Step>> alone = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            alone.add(completion(http(cpu), i, false));
        }
        long preemptionsBefore = engine.stats().preemptions();
        List<CompletableFuture<List<Step>>> together = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < REQUESTS; i++) {
                int r = i;
                together.add(CompletableFuture.supplyAsync(() -> completion(http(gpu), r, r % 2 == 1), clients));
            }
        }
        int compared = 0;
        for (int i = 0; i < REQUESTS; i++) {
            List<Step> want = alone.get(i);
            List<Step> got = together.get(i).get();
            assertThat(got).as("request %d: tokens", i).hasSize(MAX_TOKENS);
            for (int t = 0; t < MAX_TOKENS; t++) {
                Step w = want.get(t);
                Step g = got.get(t);
                if (!g.token().equals(w.token())) {
                    assertThat(w.gap()).as("request %d step %d: the device chose %s, the CPU %s (top %s)", i, t,
                            g.token(), w.token(), w.top()).isLessThan(NEAR_TIE);
                    break; // a near tie went the other way: the sequences part here
                }
                assertThat(g.logprob()).as("request %d step %d (%s): logprob", i, t, w.token())
                        .isCloseTo(w.logprob(), offset(LOGPROB_TOLERANCE));
                compared++;
            }
        }
        assertThat(compared).as("steps compared").isGreaterThan(REQUESTS * MAX_TOKENS / 2);
        assertThat(engine.stats().preemptions()).as("cache pressure preempts on the device too")
                .isGreaterThan(preemptionsBefore);
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.stats().kvCacheUsage() == 0);
    }

    @Test
    void shouldScoreEchoedPromptsOnTheDeviceAsTheCpuDoes() throws Exception {
        // lm-eval's loglikelihood request: every prompt token's logprob (the LM head over every prompt row, in chunks
        // where there are more rows than the state holds logits for), a batch of two prompts
        String body = """
                {"model": "awq", "prompt": ["Once upon a time there was a little dog who liked to run", "ab"],
                 "max_tokens": 1, "temperature": 0, "logprobs": 1, "echo": true}""";
        JsonNode onDevice = http(gpu).ok("/v1/completions", body).path("choices");
        JsonNode onCpu = http(cpu).ok("/v1/completions", body).path("choices");
        for (int p = 0; p < 2; p++) {
            JsonNode want = onCpu.get(p).path("logprobs");
            JsonNode got = onDevice.get(p).path("logprobs");
            assertThat(got.path("tokens")).as("prompt %d tokens", p).isEqualTo(want.path("tokens"));
            int promptTokens = want.path("tokens").size() - 1;
            assertThat(got.path("token_logprobs").get(0).isNull()).isTrue();
            for (int t = 1; t < promptTokens; t++) {
                assertThat(got.path("token_logprobs").get(t).asDouble()).as("prompt %d token %d", p, t)
                        .isCloseTo(want.path("token_logprobs").get(t).asDouble(), offset(LOGPROB_TOLERANCE));
            }
        }
    }

    @Test
    void shouldSampleOnTheDeviceWithASeedAsOften() throws Exception {
        String body = """
                {"model": "awq", "prompt": "Once upon a time", "max_tokens": 6, "temperature": 0.9, "top_p": 0.9, "top_k": 50,
                 "seed": 5, "ignore_eos": true}""";
        JsonNode first = http(gpu).ok("/v1/completions", body);
        JsonNode second = http(gpu).ok("/v1/completions", body);
        assertThat(first.path("usage").path("completion_tokens").asInt()).isEqualTo(6);
        assertThat(second.path("choices").get(0).path("text").asString())
                .isEqualTo(first.path("choices").get(0).path("text").asString());
    }
}
