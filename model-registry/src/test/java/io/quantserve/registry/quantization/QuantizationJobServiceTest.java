package io.quantserve.registry.quantization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.ArtifactManifest;
import io.quantserve.contracts.quantization.QuantizationEvent;
import io.quantserve.registry.RegistryIntegrationTest;
import io.quantserve.registry.artifact.ArtifactRepository;
import io.quantserve.registry.files.FileEntry;
import io.quantserve.registry.model.Model;
import io.quantserve.registry.model.ModelFacts;
import io.quantserve.registry.model.ModelRepository;
import io.quantserve.registry.outbox.Outbox;
import io.quantserve.registry.outbox.OutboxMessage;
import io.quantserve.registry.outbox.OutboxRepository;
import io.quantserve.registry.web.ConflictException;
import io.quantserve.registry.web.InvalidRequestException;
import io.quantserve.registry.web.NotFoundException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Job creation, cancellation and event application against PostgreSQL (Flyway schema, real transactions). */
class QuantizationJobServiceTest extends RegistryIntegrationTest {
    private static final long RUN_1 = 1_700_000_000_000L;
    private static final long RUN_2 = 1_700_000_100_000L;

    @Autowired
    QuantizationJobService service;
    @Autowired
    QuantizationJobRepository jobs;
    @Autowired
    ModelRepository models;
    @Autowired
    OutboxRepository outbox;
    @Autowired
    ArtifactRepository artifacts;
    @Autowired
    JsonMapper json;
    @Autowired
    TransactionTemplate transactions;
    @Autowired
    Outbox outboxWriter;
    @Autowired
    io.quantserve.registry.model.ModelService modelService;

    Model model;

    @BeforeEach
    void readyModel() {
        Model m = new Model(UUID.randomUUID(), "tiny", "hf://x/y@main", "main", Instant.now());
        m.markReady(new ModelFacts("LlamaForCausalLM", 100, 256, 2), "abc",
                List.of(new FileEntry("config.json", 1, "a".repeat(64))), Instant.now());
        model = models.save(m);
    }

    @Test
    void shouldWriteTheJobAndItsOutboxMessageTogether() {
        QuantizationJobResponse job = service.create(new QuantizationRequest(model.getId(), "awq", 4, 128,
                Map.of("sym", true, "samples", "16", "alpha", 0.5), null));

        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.options()).as("options echoed as JSON values, whichever form the request used")
                .isEqualTo(Map.of("sym", true, "samples", 16L, "alpha", 0.5));
        assertThat(job.attempts()).isZero();
        OutboxMessage row = outboxFor(job.id());
        assertThat(row.getTopic()).isEqualTo(Topics.QUANTIZATION_JOBS);
        JsonNode message = json.readTree(row.getPayload());
        assertThat(message.path("sequence").asLong()).isEqualTo(row.getId());
        assertThat(message.path("attempt").asInt()).isEqualTo(1);
        assertThat(message.path("sourceKey").asString()).isEqualTo("models/" + model.getId() + "/");
        assertThat(message.path("method").asString()).isEqualTo("awq");
        assertThat(message.path("options").path("sym").asString()).isEqualTo("true");
        assertThat(message.path("artifactId").asString())
                .isEqualTo(jobs.findById(job.id()).orElseThrow().getArtifactId().toString());
        assertThat(message.path("datasetKey").isNull()).isTrue();
    }

    @Test
    void shouldWriteNeitherJobNorOutboxRowWhenValidationFails() {
        long jobsBefore = jobs.count();
        long outboxBefore = outbox.count();

        assertThatThrownBy(() -> service.create(new QuantizationRequest(model.getId(), "awq", 4, 512, Map.of(),
                null))).isInstanceOf(InvalidRequestException.class).hasMessageContaining("groupSize")
                .hasMessageContaining("hidden_size 256");
        assertThatThrownBy(() -> service.create(new QuantizationRequest(model.getId(), "awq", 4, 128, Map.of(),
                UUID.randomUUID()))).isInstanceOf(NotFoundException.class).hasMessageContaining("dataset");

        assertThat(jobs.count()).isEqualTo(jobsBefore);
        assertThat(outbox.count()).isEqualTo(outboxBefore);
    }

    @Test
    void shouldRollBackTheOutboxMessageWithTheJobInOneTransaction() {
        long jobsBefore = jobs.count();
        long outboxBefore = outbox.count();

        transactions.executeWithoutResult(tx -> {
            service.create(new QuantizationRequest(model.getId(), "gptq", 4, 128, null, null));
            assertThat(outbox.count()).isEqualTo(outboxBefore + 1);
            tx.setRollbackOnly();
        });

        assertThat(jobs.count()).isEqualTo(jobsBefore);
        assertThat(outbox.count()).isEqualTo(outboxBefore);
    }

    @Test
    void shouldRefuseToWriteAnOutboxRowOutsideATransaction() {
        assertThatThrownBy(() -> outboxWriter.add(Topics.QUANTIZATION_JOBS, "k", Map.of("a", 1)))
                .isInstanceOf(IllegalTransactionStateException.class);
    }

    @Test
    void shouldRefuseToDeleteAModelThatJobsReference() {
        newJob();

        assertThatThrownBy(() -> modelService.delete(model.getId())).isInstanceOf(ConflictException.class)
                .hasMessageContaining("referenced by quantization jobs");
        assertThat(models.existsById(model.getId())).isTrue();
    }

    @Test
    void shouldRefuseAModelThatIsNotReady() {
        Model importing = models.save(new Model(UUID.randomUUID(), "x", "hf://a/b@main", "main", Instant.now()));

        assertThatThrownBy(() -> service.create(new QuantizationRequest(importing.getId(), "rtn", 4, 128, null,
                null))).isInstanceOf(ConflictException.class).hasMessageContaining("importing");
    }

    @Test
    void shouldCancelAQueuedJobAtOnceWithAControlMessage() {
        UUID id = newJob();

        QuantizationJobResponse cancelled = service.cancel(id);

        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(outbox.findAll()).filteredOn(r -> r.getMessageKey().equals(id.toString()))
                .extracting(OutboxMessage::getTopic)
                .containsExactly(Topics.QUANTIZATION_JOBS, Topics.QUANTIZATION_CONTROL);
        assertThatThrownBy(() -> service.cancel(id)).isInstanceOf(ConflictException.class);
    }

    @Test
    void shouldOnlyRequestCancellationOfARunningJob() {
        UUID id = newJob();
        service.apply(event(id, QuantizationEvent.TYPE_STARTED, RUN_1, 1));
        service.apply(progress(id, RUN_1, 2, 0.5, 1));

        QuantizationJobResponse job = service.cancel(id);

        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(job.cancelRequested()).isTrue();
        assertThat(service.apply(event(id, QuantizationEvent.TYPE_CANCELLED, RUN_1, 3)))
                .isEqualTo(EventOutcome.APPLIED);
        QuantizationJobResponse cancelled = service.get(id);
        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.phase()).as("where it stopped").isEqualTo("quantize");
        assertThat(cancelled.currentLayer()).isEqualTo(1);
    }

    @Test
    void shouldMoveThroughStartedProgressAndSucceededRegisteringTheArtifact() {
        UUID id = newJob();
        UUID artifactId = jobs.findById(id).orElseThrow().getArtifactId();

        service.apply(event(id, QuantizationEvent.TYPE_STARTED, RUN_1, 1));
        service.apply(progress(id, RUN_1, 2, 0.5, 1));
        QuantizationJobResponse running = service.get(id);
        assertThat(running.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(running.progress()).isEqualTo(50.0);
        assertThat(running.currentLayer()).isEqualTo(1);
        assertThat(running.totalLayers()).isEqualTo(2);
        assertThat(running.startedAt()).isNotNull();
        assertThat(running.attempts()).isEqualTo(1);
        service.apply(new QuantizationEvent(QuantizationEvent.TYPE_PROGRESS, id.toString(), RUN_1, 3, Instant.now(),
                "w1", 0.95, "upload", -1, 0, null, null, null));
        QuantizationJobResponse uploading = service.get(id);
        assertThat(uploading.phase()).isEqualTo("upload");
        assertThat(uploading.currentLayer()).isEqualTo(-1);
        assertThat(uploading.totalLayers()).as("a phase outside the layers keeps their count").isEqualTo(2);

        service.apply(succeeded(id, artifactId, RUN_1, 4));

        QuantizationJobResponse done = service.get(id);
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.artifactId()).isEqualTo(artifactId);
        assertThat(done.finishedAt()).isNotNull();
        assertThat(done.totalLayers()).isEqualTo(2);
        assertThat(done.phase()).as("nothing runs any more").isNull();
        assertThat(done.currentLayer()).isEqualTo(-1);
        assertThat(artifacts.findById(artifactId)).hasValueSatisfying(a -> {
            assertThat(a.getJobId()).isEqualTo(id);
            assertThat(a.getSize()).isEqualTo(30);
            assertThat(a.getReport()).contains("perplexity");
        });
    }

    @Test
    void shouldIgnoreEventsOfAnOlderRunOnceANewerRunReported() {
        UUID id = newJob();
        service.apply(progress(id, RUN_2, 1, 0.2, 0));

        assertThat(service.apply(progress(id, RUN_1, 5, 0.9, 1))).isEqualTo(EventOutcome.STALE_ATTEMPT);

        assertThat(service.get(id).progress()).isEqualTo(20.0);
    }

    @Test
    void shouldCountANewerRunAsAnotherAttemptAndRestartItsSequence() {
        UUID id = newJob();
        service.apply(progress(id, RUN_1, 7, 0.7, 1));

        assertThat(service.apply(progress(id, RUN_2, 1, 0.1, 0))).isEqualTo(EventOutcome.APPLIED);

        QuantizationJobResponse job = service.get(id);
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(job.progress()).isEqualTo(10.0);
    }

    @Test
    void shouldIgnoreADuplicateSequenceOfTheSameRun() {
        UUID id = newJob();
        service.apply(progress(id, RUN_1, 2, 0.5, 1));

        assertThat(service.apply(progress(id, RUN_1, 2, 0.6, 1))).isEqualTo(EventOutcome.DUPLICATE);
        assertThat(service.apply(progress(id, RUN_1, 1, 0.1, 0))).isEqualTo(EventOutcome.DUPLICATE);

        assertThat(service.get(id).progress()).isEqualTo(50.0);
    }

    @Test
    void shouldKeepATerminalStateWhateverArrivesLater() {
        UUID id = newJob();
        QuantizationEvent failed = new QuantizationEvent(QuantizationEvent.TYPE_FAILED, id.toString(), RUN_1, 1,
                Instant.now(), "w1", 0, null, -1, 0, "out of memory", null, null);
        service.apply(failed);

        assertThat(service.apply(progress(id, RUN_2, 1, 0.3, 0))).isEqualTo(EventOutcome.AFTER_TERMINAL);
        assertThat(service.markFailed(id.toString(), "dead-lettered")).isFalse();

        QuantizationJobResponse job = service.get(id);
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).isEqualTo("out of memory");
    }

    @Test
    void shouldFailAJobWhoseMessageWasDeadLettered() {
        UUID id = newJob();

        assertThat(service.markFailed(id.toString(), "job message could not be processed")).isTrue();

        assertThat(service.get(id).status()).isEqualTo(JobStatus.FAILED);
        assertThat(service.get(id).error()).isEqualTo("job message could not be processed");
    }

    @Test
    void shouldIgnoreEventsForUnknownJobs() {
        assertThat(service.apply(progress(UUID.randomUUID(), RUN_1, 1, 0.1, 0))).isEqualTo(EventOutcome.UNKNOWN_JOB);
    }

    private UUID newJob() {
        return service.create(new QuantizationRequest(model.getId(), "rtn", 4, 128, null, null)).id();
    }

    private OutboxMessage outboxFor(UUID jobId) {
        return outbox.findAll().stream().filter(r -> r.getMessageKey().equals(jobId.toString())).findFirst()
                .orElseThrow();
    }

    static QuantizationEvent event(UUID id, String type, long attempt, long sequence) {
        return new QuantizationEvent(type, id.toString(), attempt, sequence, Instant.now(), "w1", 0, "fetch", -1, 2,
                null, null, null);
    }

    static QuantizationEvent progress(UUID id, long attempt, long sequence, double progress, int layer) {
        return new QuantizationEvent(QuantizationEvent.TYPE_PROGRESS, id.toString(), attempt, sequence, Instant.now(),
                "w1", progress, "quantize", layer, 2, null, null, null);
    }

    static QuantizationEvent succeeded(UUID id, UUID artifactId, long attempt, long sequence) {
        ArtifactManifest manifest = new ArtifactManifest(artifactId.toString(), "awq", "rtn", 4, 128, "m", "tiny",
                id.toString(), "file:///store/artifacts/" + artifactId + "/",
                List.of(new ArtifactManifest.ArtifactFile("config.json", 10, "b".repeat(64)),
                        new ArtifactManifest.ArtifactFile("model.safetensors", 20, "c".repeat(64))), Instant.now());
        return new QuantizationEvent(QuantizationEvent.TYPE_SUCCEEDED, id.toString(), attempt, sequence, Instant.now(),
                "w1", 1, "upload", -1, 2, null, manifest, "{\"perplexity\": 3.5}");
    }
}
