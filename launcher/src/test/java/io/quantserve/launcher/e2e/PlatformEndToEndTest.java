package io.quantserve.launcher.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.bench.SyntheticCheckpoint;
import io.quantserve.engine.generate.Generator;
import io.quantserve.engine.generate.Prompts;
import io.quantserve.engine.model.Architecture;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.model.RopeScaling;
import io.quantserve.engine.quant.Method;
import io.quantserve.engine.quant.Quantization;
import io.quantserve.engine.quant.QuantizeOptions;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.tensor.DType;
import io.quantserve.launcher.KafkaServer;
import io.quantserve.launcher.Platform;
import io.quantserve.launcher.ServiceProcess;
import io.quantserve.testing.FakeHub;
import io.quantserve.testing.PostgresTestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The platform as it runs: a real KRaft broker, the registry and two workers as child JVMs from their packaged jars,
 * the registry on a fresh PostgreSQL database, a filesystem artifact store, models imported from a local server that
 * speaks the Hugging Face Hub's HTTP API.
 */
class PlatformEndToEndTest {
    private static final String TINY = "quantserve-test/tiny-llama";
    private static final String SLOW = "quantserve-test/random-llama";
    private static final String CHAT = "quantserve-test/random-llama-with-tokenizer";
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(4);

    @TempDir
    static Path home;
    static KafkaServer kafka;
    static FakeHub hub;
    static Platform platform;
    static RegistryClient api;
    static URI registryUrl;
    static Path store;
    static Path fixtures;

    @BeforeAll
    static void startPlatform() throws Exception {
        fixtures = Platform.findRepoRoot(Path.of("").toAbsolutePath()).getParent().resolve("shared/fixtures/models");
        // big enough that quantizing it with GPTQ takes several seconds per layer on this machine: the window in
        // which the tests kill or cancel a running job
        ModelConfig slowShape = new ModelConfig(Architecture.LLAMA, 512, 1536, 6, 8, 8, 64, 512, 1e-5f, 10000.0,
                new RopeScaling.None(), 512, false, false, 0, 1, List.of(2));
        Path slowModel = new SyntheticCheckpoint(slowShape, DType.F32, 42).write(home.resolve("random-llama"));
        // a model an inference node can serve (it needs a tokenizer): the Llama-2 tokenizer, 32000 ids
        ModelConfig chatShape = new ModelConfig(Architecture.LLAMA, 256, 768, 2, 4, 4, 64, 32000, 1e-5f, 10000.0,
                new RopeScaling.None(), 512, false, false, 0, 1, List.of(2));
        Path chatModel = new SyntheticCheckpoint(chatShape, DType.F32, 3)
                .withTokenizer(fixtures.getParent().resolve("tokenizers/llama2/tokenizer.model"))
                .write(home.resolve("random-llama-with-tokenizer"));
        hub = FakeHub.start(Map.of(TINY, fixtures.resolve("tiny-llama"), SLOW, slowModel, CHAT, chatModel));
        kafka = KafkaServer.start(0, home.resolve("kafka"));
        store = home.resolve("artifacts");
        PostgresTestDatabase.Database db = PostgresTestDatabase.get();

        Map<String, String> common = new HashMap<>();
        common.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        common.put("QUANTSERVE_STORE_TYPE", "filesystem");
        common.put("QUANTSERVE_STORE_ROOT", store.toString());
        // a killed worker's partitions move to the other one after this, not after Kafka's default 45 s
        common.put("SPRING_APPLICATION_JSON", "{\"spring.kafka.consumer.properties.session.timeout.ms\": \"6000\","
                + " \"spring.kafka.consumer.properties.heartbeat.interval.ms\": \"1000\"}");
        platform = Platform.builder().logsDir(home.resolve("logs")).environment(common).build();

        int registryPort = freePort();
        ServiceProcess registry = platform.startRegistry(Map.of(
                "SERVER_PORT", String.valueOf(registryPort),
                "SPRING_DATASOURCE_URL", db.url(),
                "SPRING_DATASOURCE_USERNAME", db.username(),
                "SPRING_DATASOURCE_PASSWORD", db.password(),
                "QUANTSERVE_REGISTRY_HUB_ENDPOINT", hub.endpoint().toString()));
        startWorker();
        startWorker();
        registry.awaitHttpOk(URI.create("http://localhost:" + registryPort + "/actuator/health"), Duration.ofMinutes(3));
        registryUrl = URI.create("http://localhost:" + registryPort + "/");
        api = new RegistryClient(registryUrl);
    }

    private static void startWorker() throws Exception {
        int n = platform.services().size();
        int port = freePort();
        ServiceProcess worker = platform.startWorker(Map.of("SERVER_PORT", String.valueOf(port),
                "QUANTSERVE_WORKER_WORKDIR", home.resolve("worker-" + n).toString()));
        worker.awaitHttpOk(URI.create("http://localhost:" + port + "/actuator/health"), Duration.ofMinutes(3));
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (platform != null) {
            platform.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void shouldQuantizeAHubModelWithRtnAndAwqIntoArtifactsWhoseLogitsMatchTheEngine() throws Exception {
        String modelId = importModel(TINY);

        for (String method : List.of("rtn", "awq")) {
            JsonNode job = api.post("api/v1/quantizations", """
                    {"modelId": "%s", "method": "%s", "bits": 4, "groupSize": 32}""".formatted(modelId, method)).body();
            JsonNode done = api.await("api/v1/quantizations/" + job.get("id").asString(),
                    j -> isTerminal(j.get("status").asString()), JOB_TIMEOUT);
            assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("succeeded");

            String artifactId = done.get("artifactId").asString();
            JsonNode artifact = api.get("api/v1/artifacts/" + artifactId).body();
            assertThat(artifact.get("format").asString()).isEqualTo(method.equals("rtn") ? "gptq" : "awq");
            Path downloaded = home.resolve("download-" + method);
            for (JsonNode file : artifact.get("files")) {
                String path = file.get("path").asString();
                byte[] bytes = api.download("api/v1/artifacts/" + artifactId + "/files/" + path);
                assertThat(sha256(bytes)).as(path).isEqualTo(file.get("sha256").asString());
                Files.createDirectories(downloaded.resolve(path).getParent());
                Files.write(downloaded.resolve(path), bytes);
            }
            assertThat(store.resolve("artifacts/" + artifactId + "/manifest.json")).exists();

            // the engine's own run of the same job, in this JVM
            Path local = home.resolve("local-" + method);
            Quantization.run(fixtures.resolve("tiny-llama"),
                    QuantizeOptions.defaults(Method.parse(method), 4).withGroupSize(32), null, local,
                    (layer, layers, phase) -> { }, () -> false);
            int[] ids = {1, 17, 42, 99, 5, 7};
            float[] expected = logits(local, ids);
            float[] actual = logits(downloaded, ids);
            float scale = 0;
            float diff = 0;
            for (int i = 0; i < expected.length; i++) {
                scale = Math.max(scale, Math.abs(expected[i]));
                diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            }
            assertThat(actual).hasSameSizeAs(expected);
            // Not bit-equal: the engine's vector reductions add in another order once the JIT has compiled them,
            // so a value at a rounding boundary can land on the other side (RTN) and AWQ's scale search, which
            // runs on sampled calibration activations, can break a near-tie the other way.
            float tolerance = method.equals("rtn") ? 0.01f : 0.02f;
            assertThat(diff).as("max logit difference, %s, of max |logit| %s", method, scale)
                    .isLessThanOrEqualTo(tolerance * scale);
        }
    }

    @Test
    void shouldServeAQuantizedArtifactPulledFromTheRegistryOnAnInferenceNode() throws Exception {
        String modelId = importModel(CHAT);
        JsonNode job = api.post("api/v1/quantizations", """
                {"modelId": "%s", "method": "rtn", "bits": 4, "groupSize": 64}""".formatted(modelId)).body();
        JsonNode done = api.await("api/v1/quantizations/" + job.get("id").asString(),
                j -> isTerminal(j.get("status").asString()), JOB_TIMEOUT);
        assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("succeeded");
        String artifactId = done.get("artifactId").asString();

        int port = freePort();
        Path cache = home.resolve("node-cache");
        ServiceProcess node = platform.start("inference-node", platform.jar("inference-node"),
                Platform.WORKER_JVM_FLAGS, Map.of("SERVER_PORT", String.valueOf(port),
                        "QUANTSERVE_NODE_MODEL", "registry:" + artifactId,
                        "QUANTSERVE_NODE_REGISTRYURL", registryUrl.toString(),
                        "QUANTSERVE_NODE_CACHEDIR", cache.toString(),
                        "QUANTSERVE_NODE_ENGINE_KVCACHEMEMORY", "16MB"));
        node.awaitHttpOk(URI.create("http://localhost:" + port + "/health"), Duration.ofMinutes(3));

        HttpResponse<String> completion = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model": "%s", "prompt": "Once upon a time", "max_tokens": 8, "temperature": 0,
                         "ignore_eos": true}""".formatted(artifactId))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(completion.statusCode()).as(completion.body()).isEqualTo(200);
        assertThat(completion.body()).contains("\"completion_tokens\":8");

        // the pulled copy: every file as the registry lists it, and the node's answer is the engine's on that copy
        Path pulled = cache.resolve("artifacts/" + artifactId);
        for (JsonNode file : api.get("api/v1/artifacts/" + artifactId).body().get("files")) {
            byte[] bytes = Files.readAllBytes(pulled.resolve(file.get("path").asString()));
            assertThat(sha256(bytes)).isEqualTo(file.get("sha256").asString());
        }
        String expected;
        try (LoadedModel model = LoadedModel.open(pulled)) {
            var tokenizer = model.tokenizer().orElseThrow();
            expected = new Generator(model.model(), tokenizer, Set.of()).generate(new Generator.Request(
                    Prompts.text(tokenizer, "Once upon a time"), SamplingParams.greedy(), 8, List.of(), true),
                    t -> { }).text();
        }
        String text = new ObjectMapper().readTree(completion.body()).get("choices").get(0).get("text").asString();
        assertThat(text).isEqualTo(expected);
        assertThat(node.stop(Duration.ofSeconds(30))).as("exit after SIGTERM").isIn(0, 143);
    }

    @Test
    void shouldFinishAJobOnTheOtherWorkerWhenItsWorkerIsKilledMidJob() throws Exception {
        String modelId = importModel(SLOW);
        String jobId = api.post("api/v1/quantizations", slowJob(modelId)).body().get("id").asString();
        api.await("api/v1/quantizations/" + jobId, j -> j.get("currentLayer").asInt() >= 1, JOB_TIMEOUT);

        ServiceProcess running = platform.services().stream()
                .filter(s -> s.name().startsWith("quant-worker") && s.isAlive() && s.logTail(400).contains(jobId))
                .findFirst().orElseThrow(() -> new AssertionError("no worker log mentions job " + jobId));
        running.kill();

        JsonNode done = api.await("api/v1/quantizations/" + jobId, j -> isTerminal(j.get("status").asString()),
                JOB_TIMEOUT);
        assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("succeeded");
        assertThat(done.get("attempts").asInt()).isGreaterThanOrEqualTo(2);
        String artifactId = done.get("artifactId").asString();
        assertThat(store.resolve("artifacts/" + artifactId + "/manifest.json")).exists();
        startWorker(); // back to two workers for the other tests
    }

    @Test
    void shouldStopARunningJobWhenItIsCancelled() throws Exception {
        String modelId = importModel(SLOW);
        JsonNode job = api.post("api/v1/quantizations", slowJob(modelId)).body();
        String jobId = job.get("id").asString();
        api.await("api/v1/quantizations/" + jobId, j -> j.get("currentLayer").asInt() >= 1, JOB_TIMEOUT);

        assertThat(api.post("api/v1/quantizations/" + jobId + "/cancel", "").status()).isBetween(200, 299);
        JsonNode done = api.await("api/v1/quantizations/" + jobId, j -> isTerminal(j.get("status").asString()),
                JOB_TIMEOUT);
        assertThat(done.get("status").asString()).isEqualTo("cancelled");
        JsonNode artifacts = api.get("api/v1/artifacts?jobId=" + jobId).body();
        assertThat(artifacts.get("items")).as(artifacts.toString()).isEmpty();
    }

    @Test
    void shouldAnswerBadRequestsWithProblemDetails() throws Exception {
        RegistryClient.Response unknownModel = api.post("api/v1/quantizations", """
                {"modelId": "00000000-0000-0000-0000-000000000000", "method": "rtn", "bits": 4, "groupSize": 32}""");
        assertThat(unknownModel.status()).isEqualTo(404);
        assertThat(unknownModel.body().get("detail").asString()).contains("00000000-0000-0000-0000-000000000000");

        String modelId = importModel(TINY);
        RegistryClient.Response badBits = api.post("api/v1/quantizations", """
                {"modelId": "%s", "method": "awq", "bits": 5, "groupSize": 32}""".formatted(modelId));
        assertThat(badBits.status()).isEqualTo(400);
        assertThat(badBits.text()).contains("bits");
        RegistryClient.Response badGroup = api.post("api/v1/quantizations", """
                {"modelId": "%s", "method": "rtn", "bits": 4, "groupSize": 48}""".formatted(modelId));
        assertThat(badGroup.status()).isEqualTo(400);
        assertThat(badGroup.text()).contains("groupSize");
    }

    private static String slowJob(String modelId) {
        return """
                {"modelId": "%s", "method": "gptq", "bits": 4, "groupSize": 128,
                 "options": {"samples": "16", "seq_len": "256"}}""".formatted(modelId);
    }

    private static String importModel(String repo) throws Exception {
        RegistryClient.Response created = api.post("api/v1/models", """
                {"source": "hf://%s@main"}""".formatted(repo));
        assertThat(created.status()).as(created.text()).isEqualTo(202);
        String id = created.body().get("id").asString();
        JsonNode model = api.await("api/v1/models/" + id, m -> !m.get("status").asString().equals("importing"),
                Duration.ofMinutes(2));
        assertThat(model.get("status").asString()).as(model.toString()).isEqualTo("ready");
        return id;
    }

    private static boolean isTerminal(String status) {
        return List.of("succeeded", "failed", "cancelled").contains(status);
    }

    private static float[] logits(Path modelDir, int[] ids) throws Exception {
        try (LoadedModel model = LoadedModel.open(modelDir)) {
            return model.model().forward(model.model().newState(ids.length), ids, 0, true);
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
