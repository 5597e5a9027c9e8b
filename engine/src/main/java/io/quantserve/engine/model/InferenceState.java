package io.quantserve.engine.model;

/**
 * The activations and KV cache of one sequence, as llama2.c's RunState. Activation buffers hold up to
 * {@code chunk} tokens at once (prefill runs in chunks of that many); the KV cache holds {@code contextLength}
 * positions.
 */
public final class InferenceState {
    final int chunk;
    final int contextLength;

    final float[] x;      // [chunk, hidden] residual stream
    final float[] xb;     // [chunk, hidden] normalised input to a block
    final float[] xb2;    // [chunk, hidden] block output before the residual add
    final float[] q;      // [chunk, heads * headDim]
    final float[] k;      // [chunk, kvHeads * headDim]
    final float[] v;      // [chunk, kvHeads * headDim]
    final float[] att;    // [chunk, heads * headDim] attention output
    final float[] hb;     // [chunk, intermediate] gate, then silu(gate) * up
    final float[] hb2;    // [chunk, intermediate] up
    final float[] cos;    // [chunk, headDim / 2] rotary cosines of each token's position
    final float[] sin;    // [chunk, headDim / 2]
    final float[][] keyCache;   // [layers][contextLength * kvHeads * headDim]
    final float[][] valueCache; // [layers][contextLength * kvHeads * headDim]

    public InferenceState(ModelConfig c, int contextLength, int chunk) {
        if (contextLength < 1 || chunk < 1) {
            throw new IllegalArgumentException("context length and chunk must be positive");
        }
        this.chunk = chunk;
        this.contextLength = contextLength;
        x = new float[chunk * c.hiddenSize()];
        xb = new float[chunk * c.hiddenSize()];
        xb2 = new float[chunk * c.hiddenSize()];
        q = new float[chunk * c.qDim()];
        k = new float[chunk * c.kvDim()];
        v = new float[chunk * c.kvDim()];
        att = new float[chunk * c.qDim()];
        hb = new float[chunk * c.intermediateSize()];
        hb2 = new float[chunk * c.intermediateSize()];
        cos = new float[chunk * c.headDim() / 2];
        sin = new float[chunk * c.headDim() / 2];
        keyCache = new float[c.numLayers()][contextLength * c.kvDim()];
        valueCache = new float[c.numLayers()][contextLength * c.kvDim()];
    }

    public int contextLength() {
        return contextLength;
    }
}
