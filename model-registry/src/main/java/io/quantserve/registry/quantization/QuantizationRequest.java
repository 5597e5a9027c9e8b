package io.quantserve.registry.quantization;

import jakarta.validation.constraints.NotNull;
import java.util.Map;
import java.util.UUID;

/**
 * @param method    rtn, awq, gptq, hqq, nf4, smoothquant or gguf
 * @param bits      optional: defaults to the method's usual width (4; 8 for smoothquant)
 * @param groupSize optional, default 128; -1 for per channel
 * @param options   sym, desc_act, alpha, gguf_type, samples, seq_len, seed
 * @param datasetId calibration dataset; null to sample calibration data from the model
 */
public record QuantizationRequest(@NotNull UUID modelId, String method, Integer bits, Integer groupSize,
        Map<String, Object> options, UUID datasetId) {
}
