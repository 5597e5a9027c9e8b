package io.quantserve.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A dense row-major weight matrix of {@code rows x cols} elements stored in {@code data}
 * (usually a memory-mapped slice of a safetensors or GGUF file) as F32, F16 or BF16, little-endian.
 * Row r starts at byte {@code r * cols * dtype.bytes()}.
 */
public record WeightMatrix(MemorySegment data, DType dtype, int rows, int cols) {
    public WeightMatrix {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("weight matrix dtype must be F32, F16 or BF16, got " + dtype);
        }
        if (data.byteSize() != (long) rows * cols * dtype.bytes()) {
            throw new IllegalArgumentException("weight matrix " + rows + "x" + cols + " " + dtype
                    + " needs " + ((long) rows * cols * dtype.bytes()) + " bytes, segment has " + data.byteSize());
        }
    }

    public long byteSize() {
        return data.byteSize();
    }
}
