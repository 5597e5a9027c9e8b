package io.quantserve.engine.testing;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Tensors held in memory, for loader tests without files. */
public final class MapSource implements TensorSource {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    public MapSource() {
    }

    /** A source over tensors already made, by name. */
    public static MapSource of(Map<String, Tensor> tensors) {
        MapSource s = new MapSource();
        s.tensors.putAll(tensors);
        return s;
    }

    public MapSource put(String name, DType dtype, long[] shape, byte[] bytes) {
        tensors.put(name, new Tensor(name, dtype, shape, MemorySegment.ofArray(bytes)));
        return this;
    }

    public MapSource ints(String name, long[] shape, int[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return put(name, DType.I32, shape, b.array());
    }

    public MapSource floats(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return put(name, DType.F32, shape, b.array());
    }

    public MapSource remove(String name) {
        tensors.remove(name);
        return this;
    }

    @Override
    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("missing tensor '" + name + "'");
        }
        return t;
    }
}
