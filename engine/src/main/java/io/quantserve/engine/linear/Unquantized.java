package io.quantserve.engine.linear;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.tensor.WeightMatrix;

/** Weights stored as plain F32/F16/BF16 matrices: just another quantization method, the identity one. */
public final class Unquantized implements QuantizationConfig, LinearMethod {
    public static final Unquantized INSTANCE = new Unquantized();

    private Unquantized() {
    }

    @Override
    public String name() {
        return "none";
    }

    @Override
    public LinearMethod linearMethod(String prefix) {
        return this;
    }

    @Override
    public Linear load(TensorSource source, String prefix, int inFeatures, int outFeatures) {
        Tensor weight = source.tensor(prefix + ".weight").requireShape(outFeatures, inFeatures);
        float[] bias = source.find(prefix + ".bias").map(b -> b.requireShape(outFeatures).toFloatArray()).orElse(null);
        return new DenseLinear(matrix(weight), bias);
    }

    /** A 2-D float tensor as a weight matrix, or an error naming the tensor. */
    public static WeightMatrix matrix(Tensor t) {
        if (t.rank() != 2) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' must be 2-D, has rank " + t.rank());
        }
        try {
            return new WeightMatrix(t.data(), t.dtype(), t.dim(0), t.dim(1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + t.name() + "': " + e.getMessage(), e);
        }
    }
}
