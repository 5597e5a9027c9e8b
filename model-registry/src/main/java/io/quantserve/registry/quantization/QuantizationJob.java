package io.quantserve.registry.quantization;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * One quantization of a model. {@code attempts} counts the worker runs seen; {@code currentAttempt} and
 * {@code lastSequence} are the newest run's attempt value and the last event sequence applied from it.
 */
@Entity
@Table(name = "quantization_jobs")
public class QuantizationJob {
    @Id
    private UUID id;
    @Column(name = "model_id", nullable = false)
    private UUID modelId;
    @Column(name = "dataset_id")
    private UUID datasetId;
    @Column(nullable = false)
    private String method;
    private int bits;
    @Column(name = "group_size")
    private int groupSize;
    @Convert(converter = OptionsConverter.class)
    @Column(nullable = false, columnDefinition = "text")
    private Map<String, String> options;
    @Column(nullable = false)
    private JobStatus status;
    private double progress;
    private String phase;
    @Column(name = "current_layer")
    private int currentLayer = -1;
    @Column(name = "total_layers")
    private int totalLayers;
    @Column(columnDefinition = "text")
    private String error;
    private int attempts;
    @Column(name = "current_attempt")
    private long currentAttempt;
    @Column(name = "last_sequence")
    private long lastSequence;
    @Column(name = "artifact_id", nullable = false)
    private UUID artifactId;
    @Column(name = "cancel_requested")
    private boolean cancelRequested;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "started_at")
    private Instant startedAt;
    @Column(name = "finished_at")
    private Instant finishedAt;
    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;
    @Version
    private Long version;

    protected QuantizationJob() {
    }

    public QuantizationJob(UUID id, UUID modelId, UUID datasetId, String method, int bits, int groupSize,
            Map<String, String> options, Instant now) {
        this.id = id;
        this.modelId = modelId;
        this.datasetId = datasetId;
        this.method = method;
        this.bits = bits;
        this.groupSize = groupSize;
        this.options = Map.copyOf(options);
        this.status = JobStatus.QUEUED;
        this.artifactId = UUID.randomUUID();
        this.createdAt = now;
        this.updatedAt = now;
    }

    /** A run with a larger attempt value than any seen replaces the older run: its events count from 1 again. */
    void beginAttempt(long attempt) {
        this.currentAttempt = attempt;
        this.lastSequence = 0;
        this.attempts++;
    }

    void applied(long sequence, Instant now) {
        this.lastSequence = sequence;
        this.updatedAt = now;
    }

    void markRunning(Instant at) {
        this.status = JobStatus.RUNNING;
        if (startedAt == null) {
            startedAt = at;
        }
    }

    /** A run's progress; {@code totalLayers} 0 (phases outside the layers: fetch, upload) keeps the count known. */
    void progress(double progress, String phase, int currentLayer, int totalLayers) {
        this.progress = Math.max(0, Math.min(1, progress));
        this.phase = phase;
        this.currentLayer = currentLayer;
        if (totalLayers > 0) {
            this.totalLayers = totalLayers;
        }
    }

    /** Succeeded: nothing left running (no phase, no current layer); failed or cancelled: the phase it stopped in. */
    void finish(JobStatus terminal, String error, Instant at) {
        this.status = terminal;
        this.error = error;
        this.finishedAt = at;
        this.updatedAt = at;
        if (terminal == JobStatus.SUCCEEDED) {
            this.progress = 1;
            this.phase = null;
            this.currentLayer = -1;
        }
    }

    void requestCancel(Instant now) {
        this.cancelRequested = true;
        this.updatedAt = now;
    }

    public UUID getId() {
        return id;
    }

    public UUID getModelId() {
        return modelId;
    }

    public UUID getDatasetId() {
        return datasetId;
    }

    public String getMethod() {
        return method;
    }

    public int getBits() {
        return bits;
    }

    public int getGroupSize() {
        return groupSize;
    }

    public Map<String, String> getOptions() {
        return options;
    }

    public JobStatus getStatus() {
        return status;
    }

    public double getProgress() {
        return progress;
    }

    public String getPhase() {
        return phase;
    }

    public int getCurrentLayer() {
        return currentLayer;
    }

    public int getTotalLayers() {
        return totalLayers;
    }

    public String getError() {
        return error;
    }

    public int getAttempts() {
        return attempts;
    }

    public long getCurrentAttempt() {
        return currentAttempt;
    }

    public long getLastSequence() {
        return lastSequence;
    }

    public UUID getArtifactId() {
        return artifactId;
    }

    public boolean isCancelRequested() {
        return cancelRequested;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getStartedAt() {
        return startedAt;
    }

    public Instant getFinishedAt() {
        return finishedAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }
}
