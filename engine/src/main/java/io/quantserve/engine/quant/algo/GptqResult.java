package io.quantserve.engine.quant.algo;

import io.quantserve.engine.quant.QuantizedWeight;

/**
 * @param loss Σ (w - q)² / (2 [H⁻¹]_cc²) over all weights, as AutoGPTQ's {@code torch.sum(Losses)}: GPTQ's estimate
 *             of the added output error
 */
public record GptqResult(QuantizedWeight weight, double loss) {
}
