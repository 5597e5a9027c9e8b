package io.quantserve.registry.quantization;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A job as the API shows it.
 *
 * @param options    the method options as checked, as JSON booleans, numbers and strings
 * @param progress   percent done, 0 to 100
 * @param phase      what the worker is doing (fetch, calibrate, quantize, write, upload); once the job failed or was
 *                   cancelled, where it stopped; null before it started and once it succeeded
 * @param attempts   worker runs seen
 * @param artifactId the artifact, once the job succeeded
 */
public record QuantizationJobResponse(UUID id, UUID modelId, UUID datasetId, String method, int bits, int groupSize,
        Map<String, Object> options, JobStatus status, double progress, String phase, int currentLayer,
        int totalLayers, String error, int attempts, boolean cancelRequested, UUID artifactId, Instant createdAt,
        Instant startedAt, Instant finishedAt) {

    static QuantizationJobResponse of(QuantizationJob j) {
        return new QuantizationJobResponse(j.getId(), j.getModelId(), j.getDatasetId(), j.getMethod(), j.getBits(),
                j.getGroupSize(), QuantizationRules.typed(j.getOptions()), j.getStatus(),
                Math.round(j.getProgress() * 1000) / 10.0, j.getPhase(), j.getCurrentLayer(), j.getTotalLayers(),
                j.getError(), j.getAttempts(), j.isCancelRequested(),
                j.getStatus() == JobStatus.SUCCEEDED ? j.getArtifactId() : null, j.getCreatedAt(), j.getStartedAt(),
                j.getFinishedAt());
    }
}
