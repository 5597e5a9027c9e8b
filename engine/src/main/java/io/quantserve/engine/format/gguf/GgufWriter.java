package io.quantserve.engine.format.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF v3 file: metadata in insertion order (with {@code general.alignment}), tensor infos, then each
 * tensor's data at a multiple of the alignment. {@link #write(Path)} writes a temporary file beside the target and
 * renames it, so a reader never sees a half-written file. Tensor data is referenced, not copied, until then.
 */
public final class GgufWriter {
    public static final int ALIGNMENT = GgufFile.DEFAULT_ALIGNMENT;
    private static final int VERSION = 3;

    private record Value(GgufValueType type, GgufValueType elementType, Object value) {
    }

    private record Entry(String name, GgmlType type, long[] dims, MemorySegment data) {
    }

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new LinkedHashSet<>();

    public GgufWriter() {
        putUint32("general.alignment", ALIGNMENT);
    }

    /**
     * A scalar of {@code type}: integers as any {@link Number} within the type's range (uint64 takes a long's bit
     * pattern), floats as numbers, {@link Boolean}, {@link String}. A later put of the same key replaces it in place.
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (type == GgufValueType.ARRAY) {
            throw new IllegalArgumentException("metadata " + key + ": use putArray for arrays");
        }
        check(key, type, value);
        if (key.equals("general.alignment") && ((Number) value).longValue() != ALIGNMENT) {
            throw new IllegalArgumentException("metadata general.alignment: this writer aligns to " + ALIGNMENT);
        }
        metadata.put(key, new Value(type, null, value));
        return this;
    }

    /** An array whose elements are all of {@code elementType} (arrays of arrays are not written). */
    public GgufWriter putArray(String key, GgufValueType elementType, List<?> values) {
        if (elementType == GgufValueType.ARRAY) {
            throw new IllegalArgumentException("metadata " + key + ": nested arrays are not supported");
        }
        for (int i = 0; i < values.size(); i++) {
            check(key + "[" + i + "]", elementType, values.get(i));
        }
        metadata.put(key, new Value(GgufValueType.ARRAY, elementType, List.copyOf(values)));
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putUint32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putStrings(String key, List<String> values) {
        return putArray(key, GgufValueType.STRING, values);
    }

    public GgufWriter putInt32s(String key, int[] values) {
        return putArray(key, GgufValueType.INT32, Arrays.stream(values).boxed().toList());
    }

    public GgufWriter putFloat32s(String key, float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return putArray(key, GgufValueType.FLOAT32, list);
    }

    /**
     * A tensor of {@code type} with ggml dimensions ({@code dims[0]} the contiguous one) and its bytes; the segment
     * must stay readable until {@link #write} returns.
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, MemorySegment data) {
        if (!tensorNames.add(name)) {
            throw new IllegalArgumentException("tensor " + name + " added twice");
        }
        long elements = 1;
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor " + name + ": dimension " + d + " in " + Arrays.toString(dims));
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (dims.length == 0 || dims[0] % type.blockElements() != 0) {
            throw new IllegalArgumentException("tensor " + name + ": first dimension of " + Arrays.toString(dims)
                    + " is not a multiple of the " + type + " block size " + type.blockElements());
        }
        if (type.byteSize(elements) != data.byteSize()) {
            throw new IllegalArgumentException("tensor " + name + ": " + type + " " + Arrays.toString(dims) + " needs "
                    + type.byteSize(elements) + " bytes, got " + data.byteSize());
        }
        tensors.add(new Entry(name, type, dims.clone(), data));
        return this;
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] dims, byte[] data) {
        return addTensor(name, type, dims, MemorySegment.ofArray(data));
    }

    /** Writes the file atomically (temporary file, then rename). */
    public void write(Path target) throws IOException {
        Bytes header = new Bytes();
        header.bytes("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(VERSION).u64(tensors.size()).u64(metadata.size());
        for (Map.Entry<String, Value> kv : metadata.entrySet()) {
            header.str(kv.getKey()).u32(kv.getValue().type.ordinal());
            writeValue(header, kv.getValue().type, kv.getValue().elementType, kv.getValue().value);
        }
        long offset = 0;
        for (Entry t : tensors) {
            header.str(t.name).u32(t.dims.length);
            for (long d : t.dims) {
                header.u64(d);
            }
            header.u32(t.type.id()).u64(offset);
            offset = alignUp(offset + t.data.byteSize());
        }

        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, "." + target.getFileName(), ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(out, ByteBuffer.wrap(header.toByteArray()));
                long position = header.size();
                for (Entry t : tensors) {
                    position = pad(out, position);
                    long chunk = 1L << 26; // ByteBuffer views are int-sized: stream big tensors in pieces
                    for (long at = 0; at < t.data.byteSize(); at += chunk) {
                        writeFully(out, t.data.asSlice(at, Math.min(chunk, t.data.byteSize() - at)).asByteBuffer());
                    }
                    position += t.data.byteSize();
                }
                pad(out, position);
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static long alignUp(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static long pad(FileChannel out, long position) throws IOException {
        long aligned = alignUp(position);
        writeFully(out, ByteBuffer.allocate((int) (aligned - position)));
        return aligned;
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static void writeValue(Bytes out, GgufValueType type, GgufValueType elementType, Object v) {
        switch (type) {
            case UINT8, INT8 -> out.u8(((Number) v).intValue());
            case UINT16, INT16 -> out.u16(((Number) v).intValue());
            case UINT32, INT32 -> out.u32((int) ((Number) v).longValue());
            case UINT64, INT64 -> out.u64(((Number) v).longValue());
            case FLOAT32 -> out.u32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case BOOL -> out.u8((Boolean) v ? 1 : 0);
            case STRING -> out.str((String) v);
            case ARRAY -> {
                List<?> list = (List<?>) v;
                out.u32(elementType.ordinal()).u64(list.size());
                for (Object e : list) {
                    writeValue(out, elementType, null, e);
                }
            }
        }
    }

    private static void check(String key, GgufValueType type, Object v) {
        boolean ok = switch (type) {
            case UINT8 -> inRange(v, 0, 0xFF);
            case INT8 -> inRange(v, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case UINT16 -> inRange(v, 0, 0xFFFF);
            case INT16 -> inRange(v, Short.MIN_VALUE, Short.MAX_VALUE);
            case UINT32 -> inRange(v, 0, 0xFFFF_FFFFL);
            case INT32 -> inRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case UINT64, INT64 -> v instanceof Integer || v instanceof Long;
            case FLOAT32, FLOAT64 -> v instanceof Float || v instanceof Double;
            case BOOL -> v instanceof Boolean;
            case STRING -> v instanceof String;
            case ARRAY -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException("metadata " + key + ": " + v
                    + (v == null ? "" : " (" + v.getClass().getSimpleName() + ")") + " is not a valid " + type);
        }
    }

    private static boolean inRange(Object v, long min, long max) {
        return (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte)
                && ((Number) v).longValue() >= min && ((Number) v).longValue() <= max;
    }

    /** The little-endian header being assembled. */
    private static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u8(int v) {
            out.write(v);
            return this;
        }

        Bytes u16(int v) {
            return bytes(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array());
        }

        Bytes u32(int v) {
            return bytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        Bytes u64(long v) {
            return bytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Bytes str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            return bytes(b);
        }

        Bytes bytes(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        int size() {
            return out.size();
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
