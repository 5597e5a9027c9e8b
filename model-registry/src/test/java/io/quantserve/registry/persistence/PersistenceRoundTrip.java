package io.quantserve.registry.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.QuantizationControlMessage;
import io.quantserve.registry.artifact.Artifact;
import io.quantserve.registry.artifact.ArtifactRepository;
import io.quantserve.registry.dataset.Dataset;
import io.quantserve.registry.dataset.DatasetRepository;
import io.quantserve.registry.files.FileEntry;
import io.quantserve.registry.model.Model;
import io.quantserve.registry.model.ModelFacts;
import io.quantserve.registry.model.ModelRepository;
import io.quantserve.registry.model.ModelStatus;
import io.quantserve.registry.outbox.Outbox;
import io.quantserve.registry.outbox.OutboxMessage;
import io.quantserve.registry.outbox.OutboxRepository;
import io.quantserve.registry.quantization.JobStatus;
import io.quantserve.registry.quantization.QuantizationJob;
import io.quantserve.registry.quantization.QuantizationJobRepository;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.data.domain.Limit;
import org.springframework.data.domain.PageRequest;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/** The same repository round trip on every database the registry runs on (Flyway schema + Hibernate validate). */
@Transactional
@Import({Outbox.class, PersistenceRoundTrip.Beans.class})
abstract class PersistenceRoundTrip {
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);

    @Autowired
    ModelRepository models;
    @Autowired
    DatasetRepository datasets;
    @Autowired
    QuantizationJobRepository jobs;
    @Autowired
    ArtifactRepository artifacts;
    @Autowired
    OutboxRepository outboxRows;
    @Autowired
    Outbox outbox;
    @Autowired
    EntityManager em;

    @TestConfiguration
    static class Beans {
        @Bean
        Clock clock() {
            return Clock.systemUTC();
        }

        @Bean
        JsonMapper jsonMapper() {
            return JsonMapper.builder().build();
        }
    }

    @Test
    void shouldStoreAndReadBackModelsWithFilesJobsArtifactsAndDatasets() {
        Model model = new Model(UUID.randomUUID(), "tiny", "hf://org/tiny@main", "main", NOW);
        model.markReady(new ModelFacts("LlamaForCausalLM", 1234, 64, 2), "abc123",
                List.of(new FileEntry("model.safetensors", 100, "a".repeat(64)),
                        new FileEntry("config.json", 10, "b".repeat(64))), NOW);
        models.save(model);
        Dataset dataset = datasets.save(new Dataset(UUID.randomUUID(), "calib", "c.jsonl", "jsonl", 5, "c".repeat(64),
                2, NOW));
        QuantizationJob job = jobs.save(new QuantizationJob(UUID.randomUUID(), model.getId(), dataset.getId(), "awq",
                4, 128, Map.of("sym", "true"), NOW));
        Artifact artifact = artifacts.save(new Artifact(job.getArtifactId(), job.getId(), model.getId(), "awq", "awq",
                4, 128, "file:///tmp/a/", List.of(new FileEntry("model.safetensors", 50, "d".repeat(64))),
                "{\"ok\":true}", NOW));
        em.flush();
        em.clear();

        Model read = models.findById(model.getId()).orElseThrow();
        assertThat(read.getStatus()).isEqualTo(ModelStatus.READY);
        assertThat(read.getRevision()).isEqualTo("abc123");
        assertThat(read.getSize()).isEqualTo(110);
        assertThat(read.getFiles()).extracting(FileEntry::path).containsExactly("config.json", "model.safetensors");
        assertThat(read.getCreatedAt()).isEqualTo(NOW);
        QuantizationJob readJob = jobs.findForUpdate(job.getId()).orElseThrow();
        assertThat(readJob.getStatus()).isEqualTo(JobStatus.QUEUED);
        assertThat(readJob.getOptions()).isEqualTo(Map.of("sym", "true"));
        assertThat(jobs.search(JobStatus.QUEUED, model.getId(), PageRequest.of(0, 10))).hasSize(1);
        assertThat(jobs.search(null, null, PageRequest.of(0, 10))).hasSize(1);
        assertThat(jobs.search(JobStatus.RUNNING, null, PageRequest.of(0, 10))).isEmpty();
        assertThat(jobs.existsByModelId(model.getId())).isTrue();
        assertThat(artifacts.search(model.getId(), null, PageRequest.of(0, 10)).getContent())
                .extracting(Artifact::getId).containsExactly(artifact.getId());
        assertThat(artifacts.findById(artifact.getId()).orElseThrow().getFiles()).hasSize(1);
        assertThat(datasets.findById(dataset.getId()).orElseThrow().getRecordCount()).isEqualTo(2);
    }

    @Test
    void shouldWriteOutboxRowsWhosePayloadCarriesTheRowIdAsSequence() {
        long first = outbox.add(Topics.QUANTIZATION_CONTROL, "job-1",
                sequence -> new QuantizationControlMessage(QuantizationControlMessage.CANCEL, "job-1", 1, sequence,
                        NOW));
        long second = outbox.add(Topics.QUANTIZATION_CONTROL, "job-2", Map.of("hello", "world"));
        em.flush();
        em.clear();

        assertThat(second).isGreaterThan(first);
        List<OutboxMessage> unsent = outboxRows.findBySentAtIsNullOrderByIdAsc(Limit.of(10));
        assertThat(unsent).extracting(OutboxMessage::getId).containsExactly(first, second);
        assertThat(unsent.getFirst().getPayload()).contains("\"sequence\":" + first).contains("\"jobId\":\"job-1\"");
        assertThat(outboxRows.markSent(List.of(first), NOW)).isEqualTo(1);
        assertThat(outboxRows.countBySentAtIsNull()).isEqualTo(1);
    }
}
