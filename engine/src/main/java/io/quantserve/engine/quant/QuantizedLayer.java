package io.quantserve.engine.quant;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result for one decoder layer: its norms (changed when scales were folded into them) and, per linear layer,
 * either integer codes (RTN, AWQ, GPTQ, HQQ) or the float weight a format's own quantizer packs (NF4, W8A8,
 * GGUF), with biases and the relative output error measured on calibration inputs.
 */
record QuantizedLayer(int index, float[] attentionNorm, float[] ffnNorm, float[] qNorm, float[] kNorm,
        Map<String, Linear> linears) {

    /** @param codes null when the format quantizes {@code weight} itself */
    record Linear(String name, int out, int in, QuantizedWeight codes, float[] weight, float[] bias, double error) {
    }

    static QuantizedLayer of(DecoderLayer layer, Map<String, Linear> linears) {
        return new QuantizedLayer(layer.index, layer.attentionNorm, layer.ffnNorm, layer.qNorm, layer.kNorm,
                new LinkedHashMap<>(linears));
    }
}
