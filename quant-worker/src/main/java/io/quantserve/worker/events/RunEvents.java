package io.quantserve.worker.events;

import io.quantserve.contracts.quantization.ArtifactManifest;
import io.quantserve.contracts.quantization.QuantizationEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The events of one run of a job: one {@code attempt} (the run's start in epoch milliseconds) and a {@code sequence}
 * counting from 1, as {@link QuantizationEvent} describes. Progress is throttled to one event per interval, except
 * that a change of phase is always reported.
 */
public final class RunEvents {
    private final EventSender sender;
    private final String jobId;
    private final String workerId;
    private final long attempt;
    private final long intervalNanos;
    private long sequence;
    private String lastPhase;
    private long lastProgressAt;

    RunEvents(EventSender sender, String jobId, String workerId, long attempt, Duration progressInterval) {
        this.sender = sender;
        this.jobId = jobId;
        this.workerId = workerId;
        this.attempt = attempt;
        this.intervalNanos = progressInterval.toNanos();
    }

    public long attempt() {
        return attempt;
    }

    public String jobId() {
        return jobId;
    }

    public void started() {
        sender.sendAndWait(event(QuantizationEvent.TYPE_STARTED, 0, null, -1, 0, null, null, null));
    }

    /** A progress event, unless one of the same phase went out less than the progress interval ago. */
    public synchronized void progress(double fraction, String phase, int currentLayer, int totalLayers) {
        long now = System.nanoTime();
        if (Objects.equals(phase, lastPhase) && now - lastProgressAt < intervalNanos) {
            return;
        }
        lastPhase = phase;
        lastProgressAt = now;
        sender.sendQuietly(event(QuantizationEvent.TYPE_PROGRESS, fraction, phase, currentLayer, totalLayers,
                null, null, null));
    }

    public void succeeded(ArtifactManifest artifact, String report) {
        sender.sendAndWait(event(QuantizationEvent.TYPE_SUCCEEDED, 1, null, -1, 0, null, artifact, report));
    }

    public void failed(String error) {
        sender.sendAndWait(event(QuantizationEvent.TYPE_FAILED, 0, null, -1, 0, error, null, null));
    }

    public void cancelled() {
        sender.sendAndWait(event(QuantizationEvent.TYPE_CANCELLED, 0, null, -1, 0, null, null, null));
    }

    private synchronized QuantizationEvent event(String type, double progress, String phase, int currentLayer,
            int totalLayers, String error, ArtifactManifest artifact, String report) {
        return new QuantizationEvent(type, jobId, attempt, ++sequence, Instant.now(), workerId, progress, phase,
                currentLayer, totalLayers, error, artifact, report);
    }
}
