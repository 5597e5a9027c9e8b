package io.quantserve.registry.quantization;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.QuantizationControlMessage;
import io.quantserve.contracts.quantization.QuantizationEvent;
import io.quantserve.contracts.quantization.QuantizationJobMessage;
import io.quantserve.registry.artifact.ArtifactRegistrar;
import io.quantserve.registry.dataset.Dataset;
import io.quantserve.registry.dataset.DatasetRepository;
import io.quantserve.registry.model.Model;
import io.quantserve.registry.model.ModelRepository;
import io.quantserve.registry.model.ModelStatus;
import io.quantserve.registry.outbox.Outbox;
import io.quantserve.registry.web.ConflictException;
import io.quantserve.registry.web.InvalidRequestException;
import io.quantserve.registry.web.NotFoundException;
import io.quantserve.registry.web.PageResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Quantization jobs: created with their job message in the outbox (one transaction), cancelled with a control
 * message, and advanced by the workers' events. The job row is locked (SELECT ... FOR UPDATE) while an event or a
 * cancel is applied, so concurrent updates never overwrite each other.
 */
@Service
public class QuantizationJobService {
    /** The registry queues each job once; workers' runs are told apart by the events' attempt values. */
    static final int QUEUE_ATTEMPT = 1;
    private static final Logger log = LoggerFactory.getLogger(QuantizationJobService.class);

    private final QuantizationJobRepository jobs;
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final ArtifactRegistrar artifacts;
    private final Outbox outbox;
    private final Clock clock;

    QuantizationJobService(QuantizationJobRepository jobs, ModelRepository models, DatasetRepository datasets,
            ArtifactRegistrar artifacts, Outbox outbox, Clock clock) {
        this.jobs = jobs;
        this.models = models;
        this.datasets = datasets;
        this.artifacts = artifacts;
        this.outbox = outbox;
        this.clock = clock;
    }

    /**
     * Validates the request, then writes the job (queued) and its {@link QuantizationJobMessage} to the outbox in one
     * transaction. 400 for invalid fields, 404 for an unknown model or dataset, 409 for a model that is not ready.
     */
    @Transactional
    public QuantizationJobResponse create(QuantizationRequest request) {
        QuantizationRules.Checked checked = QuantizationRules.check(request.method(), request.bits(),
                request.groupSize(), request.options());
        List<InvalidRequestException.FieldProblem> problems = new ArrayList<>(checked.problems());
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        Model model = models.findById(request.modelId())
                .orElseThrow(() -> new NotFoundException("model", request.modelId()));
        if (model.getStatus() != ModelStatus.READY) {
            throw new ConflictException("model " + model.getId() + " is " + model.getStatus().wireName()
                    + ", not ready");
        }
        Optional.ofNullable(QuantizationRules.checkDivides(checked.method(), checked.groupSize(),
                model.getHiddenSize())).ifPresent(p -> {
                    throw new InvalidRequestException(List.of(p));
                });
        Dataset dataset = request.datasetId() == null ? null : datasets.findById(request.datasetId())
                .orElseThrow(() -> new NotFoundException("dataset", request.datasetId()));
        Instant now = clock.instant();
        QuantizationJob job = jobs.save(new QuantizationJob(UUID.randomUUID(), model.getId(),
                dataset == null ? null : dataset.getId(), checked.method(), checked.bits(), checked.groupSize(),
                checked.options(), now));
        String jobId = job.getId().toString();
        outbox.add(Topics.QUANTIZATION_JOBS, jobId, sequence -> new QuantizationJobMessage(
                QuantizationJobMessage.TYPE, jobId, QUEUE_ATTEMPT, sequence, now, model.getId().toString(),
                model.getName(), model.storePrefix(), job.getMethod(), job.getBits(), job.getGroupSize(),
                job.getOptions(), dataset == null ? null : dataset.storeKey(), job.getArtifactId().toString()));
        return QuantizationJobResponse.of(job);
    }

    @Transactional(readOnly = true)
    public QuantizationJobResponse get(UUID id) {
        return QuantizationJobResponse.of(jobs.findById(id).orElseThrow(() -> new NotFoundException("job", id)));
    }

    @Transactional(readOnly = true)
    public PageResponse<QuantizationJobResponse> list(JobStatus status, UUID modelId, Pageable pageable) {
        return PageResponse.of(jobs.search(status, modelId, pageable), QuantizationJobResponse::of);
    }

    /**
     * A queued job is cancelled at once; a running one gets {@code cancelRequested} and stops at the next layer. Both
     * tell the workers through a {@link QuantizationControlMessage} in the outbox. 409 for a finished job.
     */
    @Transactional
    public QuantizationJobResponse cancel(UUID id) {
        QuantizationJob job = jobs.findForUpdate(id).orElseThrow(() -> new NotFoundException("job", id));
        if (job.getStatus().terminal()) {
            throw new ConflictException("job " + id + " is already " + job.getStatus().wireName());
        }
        Instant now = clock.instant();
        job.requestCancel(now);
        if (job.getStatus() == JobStatus.QUEUED) {
            job.finish(JobStatus.CANCELLED, null, now);
        }
        String jobId = id.toString();
        outbox.add(Topics.QUANTIZATION_CONTROL, jobId, sequence -> new QuantizationControlMessage(
                QuantizationControlMessage.CANCEL, jobId, QUEUE_ATTEMPT, sequence, now));
        return QuantizationJobResponse.of(job);
    }

    /**
     * Applies a worker's event (see {@link QuantizationEvent}): ignores events of an older run than the newest seen,
     * events of the current run whose sequence was already applied, and anything after a terminal state. A newer run
     * counts one more attempt and restarts the sequence. started → running; progress → progress, phase, layers;
     * succeeded → the artifact is registered from the manifest and report; failed → failed with the error;
     * cancelled → cancelled.
     */
    @Transactional
    public EventOutcome apply(QuantizationEvent event) {
        Optional<QuantizationJob> found = parse(event.jobId()).flatMap(jobs::findForUpdate);
        if (found.isEmpty()) {
            log.warn("event {} for unknown job {} ignored", event.type(), event.jobId());
            return EventOutcome.UNKNOWN_JOB;
        }
        QuantizationJob job = found.get();
        if (job.getStatus().terminal()) {
            return EventOutcome.AFTER_TERMINAL;
        }
        if (event.attempt() < job.getCurrentAttempt()) {
            return EventOutcome.STALE_ATTEMPT;
        }
        if (event.attempt() > job.getCurrentAttempt()) {
            job.beginAttempt(event.attempt());
        } else if (event.sequence() <= job.getLastSequence()) {
            return EventOutcome.DUPLICATE;
        }
        Instant at = event.occurredAt() != null ? event.occurredAt() : clock.instant();
        switch (event.type()) {
            case QuantizationEvent.TYPE_STARTED -> {
                job.markRunning(at);
                job.progress(0, event.phase(), event.currentLayer(), event.totalLayers());
            }
            case QuantizationEvent.TYPE_PROGRESS -> {
                job.markRunning(at);
                job.progress(event.progress(), event.phase(), event.currentLayer(), event.totalLayers());
            }
            case QuantizationEvent.TYPE_SUCCEEDED -> succeed(job, event, at);
            case QuantizationEvent.TYPE_FAILED -> job.finish(JobStatus.FAILED,
                    event.error() != null ? event.error() : "the worker reported a failure without a reason", at);
            case QuantizationEvent.TYPE_CANCELLED -> job.finish(JobStatus.CANCELLED, null, at);
            default -> {
                log.warn("event of unknown type {} for job {} ignored", event.type(), event.jobId());
                return EventOutcome.UNKNOWN_TYPE;
            }
        }
        job.applied(event.sequence(), clock.instant());
        return EventOutcome.APPLIED;
    }

    /** A job message that went to the dead-letter topic: the job fails with {@code reason} unless it is finished. */
    @Transactional
    public boolean markFailed(String jobId, String reason) {
        Optional<QuantizationJob> found = parse(jobId).flatMap(jobs::findForUpdate);
        if (found.isEmpty() || found.get().getStatus().terminal()) {
            return false;
        }
        found.get().finish(JobStatus.FAILED, reason, clock.instant());
        return true;
    }

    private void succeed(QuantizationJob job, QuantizationEvent event, Instant at) {
        if (event.artifact() == null) {
            job.finish(JobStatus.FAILED, "the worker reported success without an artifact manifest", at);
            return;
        }
        if (!job.getArtifactId().toString().equals(event.artifact().artifactId())) {
            log.warn("job {}: manifest names artifact {}, the job's artifact is {}; using the job's", job.getId(),
                    event.artifact().artifactId(), job.getArtifactId());
        }
        job.markRunning(at);
        artifacts.register(job.getArtifactId(), job.getId(), job.getModelId(), job.getMethod(), job.getBits(),
                job.getGroupSize(), event.artifact(), event.report());
        job.finish(JobStatus.SUCCEEDED, null, at);
    }

    private static Optional<UUID> parse(String id) {
        try {
            return Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException | NullPointerException e) {
            return Optional.empty();
        }
    }
}
