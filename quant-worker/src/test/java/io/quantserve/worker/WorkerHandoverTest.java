package io.quantserve.worker;

import static io.quantserve.worker.support.KafkaHarness.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.QuantizationEvent;
import io.quantserve.contracts.quantization.QuantizationJobMessage;
import io.quantserve.store.ArtifactStore;
import io.quantserve.worker.job.JobListener;
import io.quantserve.worker.shutdown.ShutdownSignal;
import io.quantserve.worker.support.FaultyArtifactStore;
import io.quantserve.worker.support.FaultyStoreConfig;
import io.quantserve.worker.support.Fixtures;
import io.quantserve.worker.support.KafkaHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import io.quantserve.testing.KafkaTestBroker;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.BeforeAll;
import tools.jackson.databind.json.JsonMapper;

/**
 * Workers in one consumer group, started and closed as whole applications: what a shutdown (SIGTERM closes the
 * context the same way) does to the job that is running.
 */
class WorkerHandoverTest {
    static final KafkaTestBroker BROKER = KafkaTestBroker.start();

    @BeforeAll
    static void topics() throws Exception {
        // one partition each: the second worker takes over exactly the partition the first one held
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrapServers()))) {
            admin.createTopics(Stream.of(Topics.QUANTIZATION_JOBS, Topics.QUANTIZATION_JOBS_DLT,
                    Topics.QUANTIZATION_EVENTS, Topics.QUANTIZATION_CONTROL)
                    .map(name -> new NewTopic(name, 1, (short) 1)).toList()).all().get();
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    @Test
    void jobStillRunningAfterTheGracePeriodIsLeftUncommittedWithoutEventAndRunByTheNextWorker() throws Exception {
        String bootstrap = BROKER.bootstrapServers();
        ConfigurableApplicationContext first = worker(bootstrap, "worker-a", "1s");
        try (KafkaHarness kafka = new KafkaHarness(bootstrap, first.getBean(JsonMapper.class))) {
            String source = Fixtures.storeModel(first.getBean(ArtifactStore.class), "tiny-llama", "handover-llama");
            FaultyArtifactStore.close(source); // the job stays in its fetch phase until the test opens it
            QuantizationJobMessage job = job("handover-1", source, "rtn", 4, -1, Map.of());
            RecordMetadata record;
            try {
                record = kafka.send(job);
                awaitStarted(kafka, job.jobId(), "worker-a");
                ShutdownSignal shutdown = first.getBean(ShutdownSignal.class);
                CompletableFuture<Void> closing = CompletableFuture.runAsync(first::close);
                await().atMost(WAIT).until(shutdown::interrupting); // the grace period is over
                FaultyArtifactStore.open(source);
                closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } finally {
                FaultyArtifactStore.open(source);
            }
            List<QuantizationEvent> firstRun = kafka.events(job.jobId());
            assertThat(firstRun).isNotEmpty().noneMatch(QuantizationEvent::terminal);
            assertThat(kafka.committed("quant-workers", record)).isLessThanOrEqualTo(record.offset());

            try (ConfigurableApplicationContext second = worker(bootstrap, "worker-b", "1s")) {
                QuantizationEvent done = awaitTerminal(kafka, job.jobId());
                assertThat(done.type()).isEqualTo(QuantizationEvent.TYPE_SUCCEEDED);
                assertThat(done.workerId()).isEqualTo("worker-b");
                assertThat(done.attempt()).isGreaterThan(firstRun.getLast().attempt());
                await().atMost(WAIT).until(() -> kafka.committed("quant-workers", record) > record.offset());
            }
        }
    }

    @Test
    void jobFinishingWithinTheGracePeriodIsReportedAndCommittedBeforeTheWorkerStops()
            throws Exception {
        String bootstrap = BROKER.bootstrapServers();
        ConfigurableApplicationContext worker = worker(bootstrap, "worker-c", "60s");
        try (KafkaHarness kafka = new KafkaHarness(bootstrap, worker.getBean(JsonMapper.class))) {
            String source = Fixtures.storeModel(worker.getBean(ArtifactStore.class), "tiny-llama", "graceful-llama");
            FaultyArtifactStore.close(source);
            QuantizationJobMessage job = job("graceful-1", source, "rtn", 4, -1, Map.of());
            RecordMetadata record;
            try {
                record = kafka.send(job);
                awaitStarted(kafka, job.jobId(), "worker-c");
                var jobs = worker.getBean(KafkaListenerEndpointRegistry.class).getListenerContainer(JobListener.ID);
                CompletableFuture<Void> closing = CompletableFuture.runAsync(worker::close);
                await().atMost(WAIT).until(() -> !jobs.isRunning()); // no new records from here on
                FaultyArtifactStore.open(source);
                closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } finally {
                FaultyArtifactStore.open(source);
            }
            QuantizationEvent done = awaitTerminal(kafka, job.jobId());
            assertThat(done.type()).isEqualTo(QuantizationEvent.TYPE_SUCCEEDED);
            assertThat(kafka.committed("quant-workers", record)).isGreaterThan(record.offset());
        }
    }

    private static QuantizationEvent awaitTerminal(KafkaHarness kafka, String jobId) {
        return await().atMost(WAIT).until(() -> kafka.terminal(jobId), Optional::isPresent).orElseThrow();
    }

    private static void awaitStarted(KafkaHarness kafka, String jobId, String workerId) {
        await().atMost(WAIT).until(() -> kafka.events(jobId).stream().anyMatch(
                e -> e.type().equals(QuantizationEvent.TYPE_STARTED) && e.workerId().equals(workerId)));
    }

    private ConfigurableApplicationContext worker(String bootstrap, String id, String grace) {
        return new SpringApplicationBuilder(WorkerApplication.class, FaultyStoreConfig.class)
                .properties("spring.main.web-application-type=none",
                        "spring.kafka.bootstrap-servers=" + bootstrap,
                        "quantserve.store.root=" + temp.resolve("store"),
                        "quantserve.worker.work-dir=" + temp.resolve(id),
                        "quantserve.worker.id=" + id,
                        "quantserve.worker.shutdown-grace-period=" + grace)
                .registerShutdownHook(false)
                .run();
    }
}
