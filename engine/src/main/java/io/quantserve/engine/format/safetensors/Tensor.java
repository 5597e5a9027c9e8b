package io.quantserve.engine.format.safetensors;

import io.quantserve.engine.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** One stored tensor: its name, element type, shape and a read-only view of its little-endian bytes. */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return Math.toIntExact(shape[i]);
    }

    /** Fails with a message naming the tensor unless its shape is exactly {@code expected}. */
    public Tensor requireShape(long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + ", expected " + Arrays.toString(expected));
        }
        return this;
    }

    /** All elements converted to float (F32, F16 or BF16 storage). For small tensors: norms, biases. */
    public float[] toFloatArray() {
        int n = Math.toIntExact(elementCount());
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = Floats.read(data, dtype, i);
        }
        return out;
    }
}
