package io.quantserve.contracts.quantization;

import java.time.Instant;

/**
 * What a worker reports about a job, on {@code quantization.events} keyed by {@code jobId}.
 *
 * <p>Ordering and duplicates: {@code attempt} identifies one worker run of the job (the epoch millisecond at which
 * that run started, so a redelivered job's run has a larger value than the run it replaces) and {@code sequence}
 * counts the run's events from 1. The registry ignores events of an older run than the newest it has seen, and
 * events whose sequence it has already applied; terminal states never change.
 *
 * @param type         one of the {@code TYPE_*} constants
 * @param progress     fraction done, 0 to 1
 * @param phase        what the run is doing: fetch, calibrate, quantize, write, upload
 * @param currentLayer 0-based layer being quantized, or -1
 * @param error        failure reason (failed only)
 * @param artifact     the published artifact (succeeded only)
 * @param report       {@code quantization_report.json} as text (succeeded only)
 */
public record QuantizationEvent(
        String type,
        String jobId,
        long attempt,
        long sequence,
        Instant occurredAt,
        String workerId,
        double progress,
        String phase,
        int currentLayer,
        int totalLayers,
        String error,
        ArtifactManifest artifact,
        String report) {

    public static final String TYPE_STARTED = "quantization.started";
    public static final String TYPE_PROGRESS = "quantization.progress";
    public static final String TYPE_SUCCEEDED = "quantization.succeeded";
    public static final String TYPE_FAILED = "quantization.failed";
    public static final String TYPE_CANCELLED = "quantization.cancelled";

    public boolean terminal() {
        return TYPE_SUCCEEDED.equals(type) || TYPE_FAILED.equals(type) || TYPE_CANCELLED.equals(type);
    }
}
