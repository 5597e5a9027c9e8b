package io.quantserve.contracts.quantization;

import java.time.Instant;
import java.util.Map;

/**
 * A quantization job for a worker, on {@code quantization.jobs} keyed by {@code jobId}. Written to the registry's
 * outbox in the transaction that creates the job, then relayed; a relay crash can send it twice, so a worker treats a
 * job whose artifact already exists, or that was cancelled, as done.
 *
 * @param type        always {@link #TYPE}
 * @param attempt     how many times the registry has queued this job (1 for the first)
 * @param sequence    the outbox row id: increases with every message the registry sends
 * @param sourceKey   artifact-store prefix holding the source model's files ({@code models/<modelId>/})
 * @param method      rtn, awq, gptq, hqq, nf4, smoothquant, gguf (the engine's {@code Method} names)
 * @param groupSize   input columns per group, -1 for per channel
 * @param options     method options by name (sym, desc_act, alpha, gguf_type, samples, seq_len, seed)
 * @param datasetKey  artifact-store key of the calibration file, or null to sample calibration data from the model
 * @param artifactId  where the result goes: {@code artifacts/<artifactId>/}
 */
public record QuantizationJobMessage(
        String type,
        String jobId,
        int attempt,
        long sequence,
        Instant occurredAt,
        String modelId,
        String modelName,
        String sourceKey,
        String method,
        int bits,
        int groupSize,
        Map<String, String> options,
        String datasetKey,
        String artifactId) {

    public static final String TYPE = "quantization.requested";
}
