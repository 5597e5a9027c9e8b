package io.quantserve.engine.linear.gguf;

import io.quantserve.engine.format.gguf.GgmlQuantizer;
import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.linear.DenseLinear;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.linear.PackedLinear;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Builds linear layers over ggml-typed weights: float types on the dense kernels, block types on {@link GgufLinear}. */
public final class GgufLinears {
    private GgufLinears() {
    }

    /**
     * A layer over {@code data}, a weight [out, in] of {@code type} laid out as GGUF stores it (rows contiguous along
     * the input dimension). The segment must stay valid for the layer's lifetime.
     */
    public static Linear of(GgmlType type, MemorySegment data, int in, int out, float[] bias) {
        return switch (type) {
            case F32 -> new DenseLinear(new WeightMatrix(data, DType.F32, out, in), bias);
            case F16 -> new DenseLinear(new WeightMatrix(data, DType.F16, out, in), bias);
            case BF16 -> new DenseLinear(new WeightMatrix(data, DType.BF16, out, in), bias);
            default -> new GgufLinear(type, data, in, out, bias);
        };
    }

    /**
     * Quantizes a float weight [out, in] (row-major) by round-to-nearest into {@code type} (Q8_0 or Q4_0) and
     * returns the packed layer, its blocks in off-heap memory freed with the layer. For benchmarks and tests.
     */
    public static PackedLinear quantize(GgmlType type, float[] w, int out, int in) {
        if (w.length != (long) out * in) {
            throw new IllegalArgumentException("weight has " + w.length + " elements, expected " + out + " x " + in);
        }
        if (!GgufLinear.supports(type) || !GgmlQuantizer.supports(type)) {
            throw new IllegalArgumentException("cannot quantize to " + type + " (supported: Q8_0, Q4_0)");
        }
        if (in % type.blockElements() != 0) {
            throw new IllegalArgumentException("input size " + in + " is not a multiple of the " + type
                    + " block size " + type.blockElements());
        }
        long rowBytes = type.byteSize(in);
        MemorySegment data = Arena.ofAuto().allocate(rowBytes * out, 64);
        byte[] row = new byte[(int) rowBytes];
        for (int r = 0; r < out; r++) {
            GgmlQuantizer.quantize(type, w, r * in, in, row, 0);
            MemorySegment.copy(MemorySegment.ofArray(row), 0, data, r * rowBytes, rowBytes);
        }
        return new GgufLinear(type, data, in, out, null);
    }
}
