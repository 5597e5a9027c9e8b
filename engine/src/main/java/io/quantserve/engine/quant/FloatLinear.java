package io.quantserve.engine.quant;

import io.quantserve.engine.linear.DenseLinear;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;

/**
 * A linear layer held as a float array while it is being quantized: the weight [out, in] can be replaced (scaled,
 * clipped, fake-quantized) between forward passes, and the inputs of a pass can be captured for statistics.
 */
final class FloatLinear implements Linear {
    final String name;     // e.g. model.layers.3.self_attn.q_proj
    final int in;
    final int out;
    float[] weight;        // [out, in]
    final float[] bias;    // [out] or null
    Capture capture;       // receives every input batch while set

    /** Sees the inputs [tokens, in] of each forward call. */
    @FunctionalInterface
    interface Capture {
        void inputs(float[] x, int tokens);
    }

    FloatLinear(String name, float[] weight, float[] bias, int out, int in) {
        this.name = name;
        this.weight = weight;
        this.bias = bias;
        this.out = out;
        this.in = in;
    }

    @Override
    public int inFeatures() {
        return in;
    }

    @Override
    public int outFeatures() {
        return out;
    }

    @Override
    public void apply(float[] x, float[] y, int tokens) {
        if (capture != null) {
            capture.inputs(x, tokens);
        }
        new DenseLinear(new WeightMatrix(MemorySegment.ofArray(weight), DType.F32, out, in), bias).apply(x, y, tokens);
    }

    @Override
    public long weightBytes() {
        return 4L * weight.length;
    }
}
