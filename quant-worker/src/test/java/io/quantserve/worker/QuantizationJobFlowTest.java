package io.quantserve.worker;

import static io.quantserve.worker.support.KafkaHarness.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.ArtifactManifest;
import io.quantserve.contracts.quantization.ArtifactManifest.ArtifactFile;
import io.quantserve.contracts.quantization.QuantizationEvent;
import io.quantserve.contracts.quantization.QuantizationJobMessage;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.quant.Method;
import io.quantserve.engine.quant.Quantization;
import io.quantserve.engine.quant.QuantizeOptions;
import io.quantserve.store.ArtifactStore;
import io.quantserve.worker.config.WorkerProperties;
import io.quantserve.worker.control.Cancellations;
import io.quantserve.worker.support.FaultyArtifactStore;
import io.quantserve.worker.support.FaultyStoreConfig;
import io.quantserve.worker.support.Fixtures;
import io.quantserve.worker.support.KafkaHarness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import io.quantserve.testing.KafkaTestBroker;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * One worker against a real broker (in-process KRaft, or Testcontainers' Kafka where Docker runs) and a filesystem
 * store: what a job produces and reports. On a real Tomcat, with the folders given relative and climbing with "..":
 * Spring's own conversion looked such a path up through Tomcat's resources and refused it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(FaultyStoreConfig.class)
class QuantizationJobFlowTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path temp;

    static final KafkaTestBroker BROKER = KafkaTestBroker.start();

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry r) {
        r.add("spring.kafka.bootstrap-servers", BROKER::bootstrapServers);
        // as a user might write them (../../tmp/junit1/work): path settings bind relative and with ".."
        r.add("quantserve.store.root", () -> relative(temp.resolve("store")));
        r.add("quantserve.worker.work-dir", () -> relative(temp.resolve("work")));
        r.add("quantserve.worker.id", () -> "flow-worker");
        r.add("quantserve.worker.retry.initial-interval", () -> "100ms");
        r.add("quantserve.worker.retry.max-attempts", () -> "3");
    }

    private static String relative(Path folder) {
        return Path.of("").toAbsolutePath().relativize(folder).toString();
    }

    static KafkaHarness kafka;

    @Autowired
    ArtifactStore store;
    @Autowired
    Cancellations cancellations;
    @Autowired
    WorkerProperties properties;

    @BeforeAll
    static void harness(@Autowired JsonMapper json, @Autowired Environment env) {
        kafka = new KafkaHarness(env.getProperty("spring.kafka.bootstrap-servers"), json);
    }

    @AfterAll
    static void closeHarness() {
        kafka.close();
    }

    @Test
    void rtnJobPublishesArtifactWhoseFilesMatchTheManifestAndADirectRunOfTheEngine() throws Exception {
        String source = Fixtures.storeModel(store, "tiny-llama", "rtn-llama");
        QuantizationJobMessage job = job("rtn-1", source, "rtn", 4, 32, Map.of());
        RecordMetadata record = kafka.send(job);

        QuantizationEvent done = awaitTerminal(job.jobId());
        assertThat(done.type()).isEqualTo(QuantizationEvent.TYPE_SUCCEEDED);
        ArtifactManifest manifest = done.artifact();
        assertThat(manifest.format()).isEqualTo("gptq");
        assertThat(manifest.jobId()).isEqualTo("rtn-1");
        assertThat(manifest.sourceModelId()).isEqualTo("model-rtn-1");
        assertThat(manifest.storageUri()).isEqualTo(store.uri("artifacts/art-rtn-1/").toString());
        assertThat(done.report()).contains("\"method\"").contains("rtn");

        // the published folder holds exactly the manifest's files, with those sizes and digests
        Path published = temp.resolve("downloaded-rtn");
        store.download("artifacts/art-rtn-1/", published);
        assertThat(manifest.files()).extracting(ArtifactFile::path).contains("config.json", "quantization_report.json");
        for (ArtifactFile file : manifest.files()) {
            assertThat(Files.size(published.resolve(file.path()))).as(file.path()).isEqualTo(file.size());
            assertThat(sha256(published.resolve(file.path()))).as(file.path()).isEqualTo(file.sha256());
        }
        assertThat(listFiles(published)).containsExactlyInAnyOrderElementsOf(
                Stream.concat(manifest.files().stream().map(ArtifactFile::path), Stream.of("manifest.json")).toList());

        // the engine run directly on the same model with the same options writes the same checkpoint
        Path direct = temp.resolve("direct-rtn");
        Quantization.run(Fixtures.model("tiny-llama"), QuantizeOptions.defaults(Method.RTN, 4).withGroupSize(32),
                null, direct, (l, n, p) -> { }, () -> false);
        for (ArtifactFile file : manifest.files()) {
            if (!file.path().equals("quantization_report.json")) { // holds timings and the model path
                assertThat(sha256(direct.resolve(file.path()))).as(file.path()).isEqualTo(file.sha256());
            }
        }
        // same weights; the engine's parallel reductions may sum in another order from run to run
        assertThat(logits(published)).containsExactly(logits(direct), within(1e-4f));

        // started, progress..., succeeded: one run, numbered from 1 without gaps
        List<QuantizationEvent> events = kafka.events(job.jobId());
        assertThat(events).extracting(QuantizationEvent::attempt).containsOnly(done.attempt());
        assertThat(events).extracting(QuantizationEvent::sequence)
                .containsExactlyElementsOf(Stream.iterate(1L, i -> i + 1).limit(events.size()).toList());
        assertThat(events.getFirst().type()).isEqualTo(QuantizationEvent.TYPE_STARTED);
        assertThat(events.getLast()).isEqualTo(done);
        List<QuantizationEvent> progress = events.subList(1, events.size() - 1);
        assertThat(progress).isNotEmpty().allMatch(e -> e.type().equals(QuantizationEvent.TYPE_PROGRESS));
        assertThat(progress).extracting(QuantizationEvent::phase)
                .containsSubsequence("fetch", "calibrate", "quantize", "write", "upload");
        assertThat(progress).extracting(QuantizationEvent::progress).isSorted();
        assertThat(progress).filteredOn(e -> e.phase().equals("quantize"))
                .allMatch(e -> e.totalLayers() == 2 && e.currentLayer() >= 0);

        awaitCommitted(record);
        assertThat(store.list("tmp/")).isEmpty();
        assertThat(jobFolders()).isEmpty();
        // the relative settings name the folders they climb to
        assertThat(temp.resolve("store/artifacts/art-rtn-1/manifest.json")).isRegularFile();
        assertThat(temp.resolve("work/sources")).isDirectory();
    }

    @Test
    void awqJobWithSelfSampledCalibrationSucceeds() throws IOException {
        String source = Fixtures.storeModel(store, "tiny-llama", "awq-llama");
        QuantizationJobMessage job = job("awq-1", source, "awq", 4, -1,
                Map.of("samples", "4", "seq_len", "32", "seed", "7"));
        kafka.send(job);

        QuantizationEvent done = awaitTerminal(job.jobId());
        assertThat(done.type()).as(done.error()).isEqualTo(QuantizationEvent.TYPE_SUCCEEDED);
        assertThat(done.artifact().format()).isEqualTo("awq");
        assertThat(done.artifact().groupSize()).isEqualTo(-1);
        assertThat(done.report()).contains("sampled from the model");
    }

    @Test
    void duplicateDeliveryReportsTheSameArtifactWithoutRunningAgain() throws Exception {
        String source = Fixtures.storeModel(store, "tiny-llama", "dup-llama");
        QuantizationJobMessage job = job("dup-1", source, "rtn", 4, -1, Map.of());
        kafka.send(job);
        QuantizationEvent first = awaitTerminal(job.jobId());
        assertThat(first.type()).isEqualTo(QuantizationEvent.TYPE_SUCCEEDED);
        long manifestTime = store.stat("artifacts/art-dup-1/manifest.json").orElseThrow().lastModified().toEpochMilli();

        kafka.send(job);
        await().atMost(WAIT).until(() -> kafka.events(job.jobId()).stream().filter(QuantizationEvent::terminal).count() == 2);
        List<QuantizationEvent> events = kafka.events(job.jobId());
        QuantizationEvent again = events.getLast();
        assertThat(again.type()).isEqualTo(QuantizationEvent.TYPE_SUCCEEDED);
        assertThat(again.attempt()).isGreaterThan(first.attempt());
        assertThat(again.sequence()).isEqualTo(1); // nothing but the result: no started, no progress
        assertThat(again.artifact()).isEqualTo(first.artifact());
        assertThat(events).filteredOn(e -> e.type().equals(QuantizationEvent.TYPE_STARTED)).hasSize(1);
        assertThat(store.stat("artifacts/art-dup-1/manifest.json").orElseThrow().lastModified().toEpochMilli())
                .isEqualTo(manifestTime);
    }

    @Test
    void cancellationDuringTheJobReportsCancelledAndLeavesNoArtifactNorTemporaryFiles() throws Exception {
        String source = Fixtures.storeModel(store, "stories260K", "cancel-stories");
        FaultyArtifactStore.close(source); // hold the job in its fetch phase
        QuantizationJobMessage job = job("cancel-1", source, "rtn", 4, -1, Map.of());
        RecordMetadata record;
        try {
            record = kafka.send(job);
            await().atMost(WAIT).until(() -> kafka.events(job.jobId()).stream()
                    .anyMatch(e -> e.type().equals(QuantizationEvent.TYPE_STARTED)));
            kafka.cancel(job.jobId());
            await().atMost(WAIT).until(() -> cancellations.isCancelled(job.jobId(), job.attempt()));
        } finally {
            FaultyArtifactStore.open(source);
        }

        QuantizationEvent done = awaitTerminal(job.jobId());
        assertThat(done.type()).isEqualTo(QuantizationEvent.TYPE_CANCELLED);
        assertThat(kafka.events(job.jobId())).extracting(QuantizationEvent::type)
                .doesNotContain(QuantizationEvent.TYPE_SUCCEEDED, QuantizationEvent.TYPE_FAILED);
        awaitCommitted(record);
        assertThat(store.list("artifacts/art-cancel-1/")).isEmpty();
        assertThat(store.list("tmp/")).isEmpty();
        assertThat(jobFolders()).isEmpty();
    }

    @Test
    void jobCancelledBeforeItArrivesIsSkippedWithCancelled() throws IOException {
        String source = Fixtures.storeModel(store, "tiny-llama", "precancel-llama");
        QuantizationJobMessage job = job("precancel-1", source, "rtn", 4, -1, Map.of());
        kafka.cancel(job.jobId());
        await().atMost(WAIT).until(() -> cancellations.isCancelled(job.jobId(), job.attempt()));

        kafka.send(job);
        QuantizationEvent done = awaitTerminal(job.jobId());
        assertThat(done.type()).isEqualTo(QuantizationEvent.TYPE_CANCELLED);
        assertThat(kafka.events(job.jobId())).hasSize(1);
    }

    @Test
    void unreadableRecordGoesToTheDeadLetterTopicWithItsKey() {
        kafka.sendText(Topics.QUANTIZATION_JOBS, "poison-1", "this is not JSON {");

        await().atMost(WAIT).until(() -> !kafka.deadLetters("poison-1").isEmpty());
        ConsumerRecord<String, String> dead = kafka.deadLetters("poison-1").getFirst();
        assertThat(dead.value()).isEqualTo("this is not JSON {");
        assertThat(new String(dead.headers().lastHeader("kafka_dlt-exception-fqcn").value(), StandardCharsets.UTF_8))
                .contains("DeserializationException");
    }

    @Test
    void badOptionsFailAtOnceNamingTheFieldWithoutRetry() throws IOException {
        String source = Fixtures.storeModel(store, "tiny-llama", "bad-llama");
        QuantizationJobMessage job = job("bits-5", source, "rtn", 5, 32, Map.of());
        RecordMetadata record = kafka.send(job);

        QuantizationEvent done = awaitTerminal(job.jobId());
        assertThat(done.type()).isEqualTo(QuantizationEvent.TYPE_FAILED);
        assertThat(done.error()).contains("bits").contains("5");
        // a retry would have started the job again before failing, and dead-lettered it
        assertThat(kafka.events(job.jobId())).extracting(QuantizationEvent::type)
                .containsExactly(QuantizationEvent.TYPE_STARTED, QuantizationEvent.TYPE_FAILED);
        awaitCommitted(record);
        assertThat(kafka.deadLetters(job.jobId())).isEmpty();
    }

    @Test
    void storeOutageIsRetriedThenDeadLetteredAndReportedFailed() throws IOException {
        String source = Fixtures.storeModel(store, "tiny-llama", "outage-llama");
        FaultyArtifactStore.unreachable(source);
        QuantizationJobMessage job = job("outage-1", source, "rtn", 4, -1, Map.of());
        kafka.send(job);

        QuantizationEvent done = awaitTerminal(job.jobId());
        assertThat(done.type()).isEqualTo(QuantizationEvent.TYPE_FAILED);
        assertThat(done.error()).contains("unreachable").contains(source);
        List<QuantizationEvent> events = kafka.events(job.jobId());
        assertThat(events).filteredOn(e -> e.type().equals(QuantizationEvent.TYPE_STARTED))
                .hasSize(properties.retry().maxAttempts());
        assertThat(done.attempt()).isEqualTo(events.getLast().attempt()); // reported in the last run's events
        await().atMost(WAIT).until(() -> !kafka.deadLetters(job.jobId()).isEmpty());
    }

    private static QuantizationEvent awaitTerminal(String jobId) {
        return await().atMost(WAIT).until(() -> kafka.terminal(jobId), Optional::isPresent).orElseThrow();
    }

    private static void awaitCommitted(RecordMetadata record) {
        await().atMost(WAIT).until(() -> kafka.committed("quant-workers", record) > record.offset());
    }

    private List<Path> jobFolders() throws IOException {
        Path jobs = temp.resolve("work/jobs");
        if (!Files.isDirectory(jobs)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(jobs)) {
            return list.toList();
        }
    }

    private static List<String> listFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/')).toList();
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static float[] logits(Path modelDir) throws Exception {
        try (LoadedModel model = LoadedModel.open(modelDir)) {
            return model.model().forward(model.model().newState(16), new int[] {1, 17, 42, 99, 7}, 0, true);
        }
    }
}
