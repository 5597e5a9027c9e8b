package io.quantserve.engine.linear;

import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.tensor.WeightMatrix;

/** A float (F32/F16/BF16) weight matrix with an optional bias, multiplied by the CPU kernels. */
public final class DenseLinear implements Linear {
    private final WeightMatrix weight; // [out, in]
    private final float[] bias;        // [out] or null
    private final VectorOps ops = VectorOps.get();

    public DenseLinear(WeightMatrix weight, float[] bias) {
        this.weight = weight;
        this.bias = bias;
    }

    @Override
    public int inFeatures() {
        return weight.cols();
    }

    @Override
    public int outFeatures() {
        return weight.rows();
    }

    @Override
    public void apply(float[] x, float[] y, int tokens) {
        ops.matmul(weight, x, y, tokens);
        if (bias != null) {
            for (int t = 0; t < tokens; t++) {
                ops.add(y, t * bias.length, bias, 0, bias.length);
            }
        }
    }

    @Override
    public long weightBytes() {
        return weight.byteSize();
    }
}
