package io.quantserve.engine.model;

import io.quantserve.engine.linear.Linear;

/** Every weight of a Llama-family decoder (Llama, Mistral, Qwen2/3), as llama2.c's TransformerWeights; shapes in comments. */
public record LlamaWeights(
        Embedding tokenEmbedding, // [vocab, hidden]
        Layer[] layers,           // [numLayers]
        float[] finalNorm,        // [hidden]
        Linear lmHead) {          // [vocab, hidden] (the embedding table when tied)

    public record Layer(
            float[] attentionNorm, // [hidden]
            Linear q,              // [heads * headDim, hidden] (+ bias for Qwen2)
            Linear k,              // [kvHeads * headDim, hidden]
            Linear v,              // [kvHeads * headDim, hidden]
            float[] qNorm,         // [headDim], each query head's RMSNorm (Qwen3), else null
            float[] kNorm,         // [headDim], each key head's RMSNorm (Qwen3), else null
            Linear o,              // [hidden, heads * headDim]
            float[] ffnNorm,       // [hidden]
            Linear gate,           // [intermediate, hidden]
            Linear up,             // [intermediate, hidden]
            Linear down) {         // [hidden, intermediate]
    }

    /** Bytes of weights one decode step reads: every linear layer, the final head, one embedding row. */
    public long bytesPerToken() {
        long bytes = lmHead.weightBytes();
        for (Layer l : layers) {
            bytes += l.q.weightBytes() + l.k.weightBytes() + l.v.weightBytes() + l.o.weightBytes()
                    + l.gate.weightBytes() + l.up.weightBytes() + l.down.weightBytes();
        }
        return bytes;
    }

    /** Number of weights one decode step multiplies: every linear layer and the head. */
    public long weightsPerToken() {
        long n = size(lmHead);
        for (Layer l : layers) {
            n += size(l.q) + size(l.k) + size(l.v) + size(l.o) + size(l.gate) + size(l.up) + size(l.down);
        }
        return n;
    }

    private static long size(Linear linear) {
        return (long) linear.inFeatures() * linear.outFeatures();
    }
}
