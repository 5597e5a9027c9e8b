package io.quantserve.registry.quantization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.ArtifactManifest;
import io.quantserve.contracts.quantization.QuantizationControlMessage;
import io.quantserve.contracts.quantization.QuantizationEvent;
import io.quantserve.contracts.quantization.QuantizationJobMessage;
import io.quantserve.registry.model.ModelService;
import io.quantserve.registry.model.ModelStatus;
import io.quantserve.registry.outbox.OutboxRepository;
import io.quantserve.testing.FakeHub;
import io.quantserve.testing.KafkaTestBroker;
import io.quantserve.testing.PostgresTestDatabase;
import io.quantserve.testing.TestFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The registry's Kafka side on a real broker (in-process KRaft, or Testcontainers' Kafka where Docker runs) and PostgreSQL: jobs leave through the outbox,
 * workers' events and dead letters come back and change the job rows.
 */
@SpringBootTest
class QuantizationPipelineTest {
    static final String TINY = "test-org/tiny-llama";
    static final FakeHub HUB = FakeHub.start(Map.of(TINY, TestFixtures.model("tiny-llama")));
    static final KafkaTestBroker KAFKA = KafkaTestBroker.start();
    static Path storeRoot;

    @Autowired
    QuantizationJobService jobs;
    @Autowired
    ModelService models;
    @Autowired
    OutboxRepository outbox;
    @Autowired
    QuantizationJobRepository jobRows;
    @Autowired
    KafkaTemplate<String, String> kafka;
    @Autowired
    JsonMapper json;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) throws Exception {
        storeRoot = Files.createTempDirectory("pipeline-store");
        PostgresTestDatabase.get().register(r::add);
        r.add("spring.kafka.bootstrap-servers", KAFKA::bootstrapServers);
        r.add("quantserve.store.type", () -> "filesystem");
        r.add("quantserve.store.root", storeRoot::toString);
        r.add("quantserve.registry.hub.endpoint", () -> HUB.endpoint().toString());
        r.add("quantserve.registry.kafka.relay-interval", () -> "100ms");
    }

    @AfterAll
    static void stop() {
        HUB.close();
        KAFKA.close();
    }

    static UUID modelId;

    @BeforeAll
    static void resetModel() {
        modelId = null;
    }

    @Test
    void shouldRelayANewJobToKafkaFromTheOutbox() throws Exception {
        QuantizationJobResponse job = newJob();

        try (Consumer<String, String> consumer = consumer(Topics.QUANTIZATION_JOBS)) {
            ConsumerRecord<String, String> record = recordFor(consumer, job.id().toString());
            QuantizationJobMessage message = json.readValue(record.value(), QuantizationJobMessage.class);
            assertThat(message.type()).isEqualTo(QuantizationJobMessage.TYPE);
            assertThat(message.method()).isEqualTo("rtn");
            assertThat(message.sourceKey()).isEqualTo("models/" + modelId + "/");
            assertThat(message.artifactId()).isNotBlank();
            assertThat(outbox.findById(message.sequence())).hasValueSatisfying(row ->
                    assertThat(row.getMessageKey()).isEqualTo(job.id().toString()));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> outbox.countBySentAtIsNull() == 0);
    }

    @Test
    void shouldApplyWorkerEventsInOrderAndIgnoreDuplicatesAndStaleRuns() throws Exception {
        QuantizationJobResponse job = newJob();
        String id = job.id().toString();
        long run = 2_000L;

        send(event(QuantizationEvent.TYPE_STARTED, id, run, 1, 0, null));
        send(event(QuantizationEvent.TYPE_PROGRESS, id, run, 2, 0.5, null));
        send(event(QuantizationEvent.TYPE_PROGRESS, id, run, 2, 0.9, null)); // redelivered sequence
        send(event(QuantizationEvent.TYPE_PROGRESS, id, run - 1, 7, 0.95, null)); // an older run, late
        await().atMost(Duration.ofSeconds(20)).until(() -> jobs.get(job.id()).progress() == 50.0);
        assertThat(jobs.get(job.id()).status()).isEqualTo(JobStatus.RUNNING);

        UUID artifactId = jobRows.findById(job.id()).orElseThrow().getArtifactId();
        ArtifactManifest manifest = new ArtifactManifest(artifactId.toString(), "gptq", "rtn", 4, 32,
                modelId.toString(), "tiny", id, storeRoot.resolve("artifacts/" + artifactId).toUri() + "/",
                List.of(new ArtifactManifest.ArtifactFile("model.safetensors", 123, "ab".repeat(32))), Instant.now());
        send(event(QuantizationEvent.TYPE_SUCCEEDED, id, run, 3, 1, manifest));
        send(event(QuantizationEvent.TYPE_FAILED, id, run + 1, 1, 0, null)); // after the end: ignored

        await().atMost(Duration.ofSeconds(20)).until(() -> jobs.get(job.id()).status() == JobStatus.SUCCEEDED);
        Thread.sleep(500);
        QuantizationJobResponse done = jobs.get(job.id());
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(done.artifactId()).isEqualTo(artifactId);
    }

    @Test
    void shouldFailAJobWhoseMessageWasDeadLettered() throws Exception {
        QuantizationJobResponse job = newJob();
        ProducerRecord<String, String> dead = new ProducerRecord<>(Topics.QUANTIZATION_JOBS_DLT, job.id().toString(),
                "not json at all");
        dead.headers().add(KafkaHeaders.DLT_EXCEPTION_MESSAGE, "cannot deserialize".getBytes(StandardCharsets.UTF_8));
        kafka.send(dead).get();

        await().atMost(Duration.ofSeconds(20)).until(() -> jobs.get(job.id()).status() == JobStatus.FAILED);
        assertThat(jobs.get(job.id()).error()).contains("cannot deserialize");
    }

    @Test
    void shouldTellTheWorkersWhenAJobIsCancelled() throws Exception {
        QuantizationJobResponse job = newJob();
        jobs.cancel(job.id());
        assertThat(jobs.get(job.id()).status()).isEqualTo(JobStatus.CANCELLED);

        try (Consumer<String, String> consumer = consumer(Topics.QUANTIZATION_CONTROL)) {
            ConsumerRecord<String, String> record = recordFor(consumer, job.id().toString());
            QuantizationControlMessage message = json.readValue(record.value(), QuantizationControlMessage.class);
            assertThat(message.type()).isEqualTo(QuantizationControlMessage.CANCEL);
        }
    }

    private QuantizationJobResponse newJob() {
        synchronized (QuantizationPipelineTest.class) {
            if (modelId == null) {
                UUID id = models.startImport("hf://" + TINY, "tiny").id();
                await().atMost(Duration.ofSeconds(60)).until(() -> models.get(id).status() != ModelStatus.IMPORTING);
                assertThat(models.get(id).status()).isEqualTo(ModelStatus.READY);
                modelId = id;
            }
        }
        return jobs.create(new QuantizationRequest(modelId, "rtn", 4, 32, Map.of(), null));
    }

    private void send(QuantizationEvent event) throws Exception {
        kafka.send(Topics.QUANTIZATION_EVENTS, event.jobId(), json.writeValueAsString(event)).get();
    }

    private static QuantizationEvent event(String type, String jobId, long attempt, long sequence, double progress,
            ArtifactManifest manifest) {
        return new QuantizationEvent(type, jobId, attempt, sequence, Instant.now(), "test-worker", progress,
                "quantize", 0, 2, type.equals(QuantizationEvent.TYPE_FAILED) ? "late failure" : null, manifest,
                manifest == null ? null : "{\"method\": \"rtn\"}");
    }

    private Consumer<String, String> consumer(String topic) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Consumer<String, String> consumer = new DefaultKafkaConsumerFactory<>(props, new StringDeserializer(),
                new StringDeserializer()).createConsumer();
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    private static ConsumerRecord<String, String> recordFor(Consumer<String, String> consumer, String key) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                if (key.equals(r.key())) {
                    return r;
                }
            }
        }
        throw new AssertionError("no record keyed " + key);
    }
}
