package io.quantserve.worker.job;

import io.quantserve.contracts.quantization.QuantizationJobMessage;
import io.quantserve.engine.quant.Quantization;
import io.quantserve.engine.quant.QuantizeOptions;
import io.quantserve.worker.config.WorkerProperties;
import io.quantserve.worker.control.Cancellations;
import io.quantserve.worker.events.EventSender;
import io.quantserve.worker.events.RunEvents;
import io.quantserve.worker.shutdown.ShutdownSignal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * One run of a quantization job: message → fetch → quantize → publish → report. Says whether the job is finished
 * (its offset may be committed) or was interrupted by shutdown (left for another worker); a retryable failure is
 * thrown as {@link RetryableJobException} for the error handler's back-off.
 */
@Component
class JobRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final SourceFetcher sources;
    private final ArtifactPublisher artifacts;
    private final EventSender events;
    private final Cancellations cancellations;
    private final ShutdownSignal shutdown;
    private final JobMetrics metrics;
    private final WorkerProperties properties;

    JobRunner(SourceFetcher sources, ArtifactPublisher artifacts, EventSender events, Cancellations cancellations,
            ShutdownSignal shutdown, JobMetrics metrics, WorkerProperties properties) {
        this.sources = sources;
        this.artifacts = artifacts;
        this.events = events;
        this.cancellations = cancellations;
        this.shutdown = shutdown;
        this.metrics = metrics;
        this.properties = properties;
    }

    /** @return true when the job is finished, false when shutdown interrupted it */
    boolean run(QuantizationJobMessage job) {
        RunEvents run = events.newRun(job.jobId());
        long start = System.nanoTime();
        if (alreadyDone(job, run) || skippedAsCancelled(job, run)) {
            return true;
        }
        LOG.info("job {}: {} {}-bit group {} of {} (attempt {}, run {})", job.jobId(), job.method(), job.bits(),
                job.groupSize(), job.sourceKey(), job.attempt(), run.attempt());
        run.started();
        StopCheck stop = new StopCheck(job.jobId(), job.attempt(), cancellations, shutdown,
                start + properties.maxJobDuration().toNanos());
        Path jobDir = properties.workDir().resolve("jobs").resolve(job.artifactId() + "-" + run.attempt());
        try {
            QuantizeOptions options = JobOptions.from(job);
            run.progress(0, "fetch", -1, 0);
            Path model = sources.model(job.sourceKey());
            Path calibration = job.datasetKey() == null ? null : sources.dataset(job.datasetKey());
            stop.throwIfStopped("after fetching the inputs");
            run.progress(0.02, "calibrate", -1, 0);
            Path out = jobDir.resolve("out");
            Quantization.run(model, options, calibration, out, (layer, layers, phase) -> engineProgress(run, layer,
                    layers, phase), stop);
            stop.throwIfStopped("before uploading the artifact");
            run.progress(0.95, "upload", -1, 0);
            PublishedArtifact artifact = artifacts.publish(job, options, out, run.attempt());
            run.succeeded(artifact.manifest(), artifact.report());
            metrics.finished("succeeded", start);
            LOG.info("job {}: published {}", job.jobId(), artifact.manifest().storageUri());
            return true;
        } catch (CancellationException e) {
            return stopped(job, run, stop.reason(), start);
        } catch (IllegalArgumentException e) {
            // a bad request (options, model, dataset) fails the same way every time: no retry
            LOG.warn("job {} failed: {}", job.jobId(), e.getMessage());
            run.failed(e.getMessage());
            metrics.finished("failed", start);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("job {}: run {} failed, may be retried: {}", job.jobId(), run.attempt(), describe(e));
            throw new RetryableJobException(run, e);
        } finally {
            cleanUp(job, run, jobDir);
        }
    }

    private boolean alreadyDone(QuantizationJobMessage job, RunEvents run) {
        Optional<PublishedArtifact> done;
        try {
            done = job.artifactId() == null ? Optional.empty() : artifacts.published(job.artifactId());
        } catch (IOException | RuntimeException e) {
            throw new RetryableJobException(run, e);
        }
        done.ifPresent(artifact -> {
            LOG.info("job {}: artifact {} already published (duplicate delivery): reporting it again", job.jobId(),
                    job.artifactId());
            run.succeeded(artifact.manifest(), artifact.report());
            metrics.counted("duplicate");
        });
        return done.isPresent();
    }

    private boolean skippedAsCancelled(QuantizationJobMessage job, RunEvents run) {
        if (!cancellations.isCancelled(job.jobId(), job.attempt())) {
            return false;
        }
        LOG.info("job {} was cancelled before it started: skipped", job.jobId());
        run.cancelled();
        metrics.counted("skipped");
        return true;
    }

    private boolean stopped(QuantizationJobMessage job, RunEvents run, StopCheck.Reason reason, long start) {
        if (reason == StopCheck.Reason.SHUTDOWN) {
            LOG.warn("job {}: interrupted by shutdown; not committed, another worker will run it", job.jobId());
            metrics.finished("interrupted", start);
            return false;
        }
        if (reason == StopCheck.Reason.TIMEOUT) {
            run.failed("ran longer than quantserve.worker.max-job-duration (" + properties.maxJobDuration() + ")");
            metrics.finished("failed", start);
            return true;
        }
        LOG.info("job {}: cancelled", job.jobId());
        run.cancelled();
        metrics.finished("cancelled", start);
        return true;
    }

    /** The engine's phases as shares of the job: calibration sampled from the model 2-10%, the layers 10-90%. */
    private static void engineProgress(RunEvents run, int step, int steps, String phase) {
        switch (phase) {
            case "calibrate" -> run.progress(0.02 + 0.08 * step / Math.max(1, steps), "calibrate", -1, 0);
            case "write" -> run.progress(0.9, "write", -1, steps);
            default -> run.progress(0.1 + 0.8 * step / Math.max(1, steps), "quantize", step, steps);
        }
    }

    private void cleanUp(QuantizationJobMessage job, RunEvents run, Path jobDir) {
        try {
            Quantization.deleteRecursively(jobDir);
            if (job.artifactId() != null) {
                artifacts.discard(job.artifactId(), run.attempt());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("job {}: could not clean up {}: {}", job.jobId(), jobDir, describe(e));
        }
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + message;
    }
}
