package io.quantserve.worker.job;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * {@code quantserve_worker_jobs_total{outcome}} (succeeded, failed, cancelled, interrupted, duplicate,
 * skipped, dead-lettered) and
 * {@code quantserve_worker_job_duration_seconds{outcome}}.
 */
@Component
class JobMetrics {
    private final MeterRegistry registry;

    JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void finished(String outcome, long startNanos) {
        counted(outcome);
        Timer.builder("quantserve.worker.job.duration").tag("outcome", outcome).register(registry)
                .record(Duration.ofNanos(System.nanoTime() - startNanos));
    }

    /** An outcome without a run of the engine: duplicate, skipped (cancelled before it started), dead-lettered. */
    void counted(String outcome) {
        Counter.builder("quantserve.worker.jobs").tag("outcome", outcome).register(registry).increment();
    }
}
