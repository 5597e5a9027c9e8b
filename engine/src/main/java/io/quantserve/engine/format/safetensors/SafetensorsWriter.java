package io.quantserve.engine.format.safetensors;

import io.quantserve.engine.tensor.DType;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;

/**
 * Writes a safetensors file: tensors are added in order, then {@link #write(Path)} writes to a temporary file beside
 * the target and renames it, so a reader never sees a half-written file. Tensors given as {@link TensorBytes} are
 * produced while the file is written, so a file larger than memory can be written.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes one tensor's little-endian bytes, exactly as many as its shape needs. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(OutputStream out) throws IOException;
    }

    private record Entry(String name, DType dtype, long[] shape, long length, TensorBytes bytes) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter add(String name, DType dtype, long[] shape, byte[] littleEndianBytes) {
        long length = byteLength(dtype, shape);
        if (length != littleEndianBytes.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape needs " + length
                    + " bytes, got " + littleEndianBytes.length);
        }
        entries.add(new Entry(name, dtype, shape.clone(), length, out -> out.write(littleEndianBytes)));
        return this;
    }

    /** A tensor whose bytes {@code bytes} writes when the file is written; a wrong byte count fails the write. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, TensorBytes bytes) {
        entries.add(new Entry(name, dtype, shape.clone(), byteLength(dtype, shape), bytes));
        return this;
    }

    private static long byteLength(DType dtype, long[] shape) {
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        return elements * dtype.bytes();
    }

    public SafetensorsWriter addF32(String name, long[] shape, float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return add(name, DType.F32, shape, buffer.array());
    }

    public SafetensorsWriter addI32(String name, long[] shape, int[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asIntBuffer().put(values);
        return add(name, DType.I32, shape, buffer.array());
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public void write(Path target) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long offset = 0;
        for (Entry e : entries) {
            header.put(e.name, Map.of("dtype", e.dtype.name(), "shape", e.shape,
                    "data_offsets", new long[] {offset, offset + e.length}));
            offset += e.length;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // keeps the data section 8-byte aligned
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            headerBytes[i] = ' ';
        }

        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, "." + target.getFileName(), ".tmp");
        try {
            try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 20)) {
                file.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                file.write(headerBytes);
                for (Entry e : entries) {
                    CountingStream out = new CountingStream(file);
                    e.bytes.writeTo(out);
                    if (out.count != e.length) {
                        throw new IllegalStateException("tensor '" + e.name + "': shape needs " + e.length
                                + " bytes, " + out.count + " were written");
                    }
                }
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Counts what one tensor writes; closing it leaves the file open. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() {
        }
    }
}
