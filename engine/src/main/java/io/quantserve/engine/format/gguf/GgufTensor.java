package io.quantserve.engine.format.gguf;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor described in a GGUF file.
 *
 * @param name   tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param dims   dimensions as ggml orders them: {@code dims[0]} is the innermost (contiguous) one
 * @param type   element/block type
 * @param offset byte offset of the data relative to the start of the data section
 * @param data   the tensor's bytes, a slice of the file's mapping (valid while the file is open)
 */
public record GgufTensor(String name, long[] dims, GgmlType type, long offset, MemorySegment data) {
    public GgufTensor {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteSize() {
        return data.byteSize();
    }

    @Override
    public String toString() {
        return "GgufTensor[" + name + " " + Arrays.toString(dims) + " " + type + " @" + offset + "]";
    }
}
