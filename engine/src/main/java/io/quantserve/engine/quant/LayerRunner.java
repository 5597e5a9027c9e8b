package io.quantserve.engine.quant;

import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LlamaWeights;
import io.quantserve.engine.model.ModelConfig;
import java.util.List;

/**
 * Runs one decoder layer over the calibration set: each sequence's hidden states [tokens, hidden] go through the
 * layer with its current (float, scaled, or fake-quantized) weights. The layer's linears can capture their inputs.
 */
final class LayerRunner {
    private final LlamaModel oneLayer;
    private final int contextLength;

    LayerRunner(ModelConfig config, DecoderLayer layer, int contextLength) {
        ModelConfig single = config.singleLayer(layer.intermediateSize());
        LlamaWeights weights = new LlamaWeights(null, new LlamaWeights.Layer[] {layer.asModelLayer()}, null, null);
        this.oneLayer = new LlamaModel(single, weights);
        this.contextLength = contextLength;
    }

    /** Runs every sequence through the layer; in place when {@code out} is {@code hidden}. */
    void run(List<float[]> hidden, List<float[]> out, int hiddenSize) {
        InferenceState state = oneLayer.newState(contextLength);
        for (int i = 0; i < hidden.size(); i++) {
            float[] h = hidden.get(i);
            float[] o = out.get(i);
            if (o != h) {
                System.arraycopy(h, 0, o, 0, h.length);
            }
            oneLayer.forwardLayers(state, o, h.length / hiddenSize);
        }
    }
}
