package io.quantserve.engine.format.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF (v2/v3) file mapped into memory with the FFM API, so files over 2 GiB work and tensor
 * data is never copied. Metadata is parsed eagerly into Java values:
 * uint8/int8/uint16/int16/int32 → {@link Integer}, uint32/int64/uint64 → {@link Long}
 * (uint64 keeps its bit pattern), float32 → {@link Float}, float64 → {@link Double},
 * bool → {@link Boolean}, string → {@link String}, array → unmodifiable {@link List} (nested for
 * arrays of arrays).
 *
 * <p>Close the file to unmap it; tensor {@link GgufTensor#data()} slices are invalid afterwards.
 */
public final class GgufFile implements AutoCloseable {
    public static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAGIC = 0x46554747; // "GGUF" read little-endian

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufTensor> tensors;
    private final int alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, int version, Map<String, Object> metadata,
                     Map<String, GgufTensor> tensors, int alignment, long dataOffset) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
    }

    /**
     * Maps and parses {@code path}.
     *
     * @throws GgufFormatException if the file is not a well-formed GGUF v2/v3 file
     * @throws IOException         if it cannot be read
     */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            GgufFile file = parse(path, arena, mapping);
            return file;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment mapping) {
        GgufSource source = new GgufSource(path);
        GgufCursor in = new GgufCursor(source, mapping);
        int magic = in.u32("magic");
        if (magic != MAGIC) {
            throw source.error(String.format("bad magic 0x%08x, expected \"GGUF\"", magic));
        }
        int version = in.u32("version");
        if (version == 1) {
            throw source.error("GGUF version 1 is not supported (only 2 and 3)");
        }
        if (version != 2 && version != 3) {
            throw source.error("unsupported GGUF version " + Integer.toUnsignedString(version)
                    + (Integer.reverseBytes(version) <= 3 ? " (big-endian GGUF is not supported)" : ""));
        }
        // each tensor info takes at least 8 (name length) + 4 + 4 + 8 bytes; each kv at least 8 + 4
        long tensorCount = in.count("tensor count", 24);
        long kvCount = in.count("metadata count", 12);

        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key #" + i);
            GgufValueType type = valueType(source, in.u32("type of " + key), key);
            metadata.put(key, readValue(source, in, type, key, 0));
        }

        int alignment = DEFAULT_ALIGNMENT;
        Object alignValue = metadata.get("general.alignment");
        if (alignValue != null) {
            if (!(alignValue instanceof Number n) || n.longValue() <= 0 || Long.bitCount(n.longValue()) != 1
                    || n.longValue() > (1 << 30)) {
                throw source.error("general.alignment must be a positive power of two, got " + alignValue);
            }
            alignment = n.intValue();
        }

        record Info(String name, long[] dims, GgmlType type, long offset) { }
        List<Info> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string("tensor name #" + i);
            int nDims = in.u32("dimension count of " + name);
            if (nDims < 0 || nDims > 8) {
                throw source.error("tensor " + name + " has " + Integer.toUnsignedString(nDims) + " dimensions");
            }
            long[] dims = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                dims[d] = in.u64("dimension " + d + " of " + name);
                if (dims[d] < 0) {
                    throw source.error("tensor " + name + " has negative dimension " + Long.toUnsignedString(dims[d]));
                }
            }
            int typeId = in.u32("type of " + name);
            GgmlType type;
            try {
                type = GgmlType.fromId(typeId);
            } catch (IllegalArgumentException e) {
                throw source.error("tensor " + name + ": " + e.getMessage());
            }
            long offset = in.u64("offset of " + name);
            infos.add(new Info(name, dims, type, offset));
        }

        long dataOffset = alignUp(in.position(), alignment);
        if (dataOffset > mapping.byteSize() && tensorCount > 0) {
            throw source.error("truncated: data section would start at " + dataOffset + " past the end ("
                    + mapping.byteSize() + " bytes)");
        }

        Map<String, GgufTensor> tensors = new LinkedHashMap<>();
        for (Info info : infos) {
            long elements = 1;
            try {
                for (long d : info.dims) {
                    elements = Math.multiplyExact(elements, d);
                }
            } catch (ArithmeticException e) {
                throw source.error("tensor " + info.name + " has too many elements");
            }
            if (info.dims.length > 0 && info.dims[0] % info.type.blockElements() != 0) {
                throw source.error("tensor " + info.name + ": first dimension " + info.dims[0]
                        + " is not a multiple of the " + info.type + " block size " + info.type.blockElements());
            }
            long bytes = info.type.byteSize(elements);
            if (info.offset < 0 || info.offset % alignment != 0) {
                throw source.error("tensor " + info.name + ": offset " + Long.toUnsignedString(info.offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            long start = dataOffset + info.offset;
            if (start < dataOffset || start + bytes > mapping.byteSize() || start + bytes < start) {
                throw source.error("tensor " + info.name + ": data [" + start + ", " + (start + bytes)
                        + ") runs past the end of the file (" + mapping.byteSize() + " bytes)");
            }
            if (tensors.containsKey(info.name)) {
                throw source.error("duplicate tensor name " + info.name);
            }
            tensors.put(info.name, new GgufTensor(info.name, info.dims, info.type, info.offset,
                    mapping.asSlice(start, bytes)));
        }
        return new GgufFile(path, arena, mapping, version, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(tensors), alignment, dataOffset);
    }

    private static GgufValueType valueType(GgufSource source, int id, String key) {
        try {
            return GgufValueType.fromId(id);
        } catch (IllegalArgumentException e) {
            throw source.error("metadata " + key + ": " + e.getMessage());
        }
    }

    private static Object readValue(GgufSource source, GgufCursor in, GgufValueType type, String key, int depth) {
        return switch (type) {
            case UINT8 -> Byte.toUnsignedInt(in.u8(key));
            case INT8 -> (int) in.u8(key);
            case UINT16 -> Short.toUnsignedInt(in.u16(key));
            case INT16 -> (int) in.u16(key);
            case UINT32 -> Integer.toUnsignedLong(in.u32(key));
            case INT32 -> in.u32(key);
            case FLOAT32 -> in.f32(key);
            case BOOL -> {
                byte b = in.u8(key);
                if (b != 0 && b != 1) {
                    throw source.error("metadata " + key + ": bool byte " + b + " is neither 0 nor 1");
                }
                yield b == 1;
            }
            case STRING -> in.string(key);
            case UINT64, INT64 -> in.u64(key);
            case FLOAT64 -> in.f64(key);
            case ARRAY -> {
                if (depth > 16) {
                    throw source.error("metadata " + key + ": arrays nested too deeply");
                }
                GgufValueType elementType = valueType(source, in.u32("array type of " + key), key);
                long n = in.count("array length of " + key, 1);
                if (n > Integer.MAX_VALUE - 8) {
                    throw source.error("metadata " + key + ": array of " + n + " elements is too long");
                }
                List<Object> values = new ArrayList<>((int) n);
                for (long i = 0; i < n; i++) {
                    values.add(readValue(source, in, elementType, key, depth + 1));
                }
                yield Collections.unmodifiableList(values);
            }
        };
    }

    private static long alignUp(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** Absolute file offset where the tensor data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    /** The whole mapped file. */
    public MemorySegment mapping() {
        return mapping;
    }

    /** All metadata, in file order. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** All tensors by name, in file order. */
    public Map<String, GgufTensor> tensors() {
        return tensors;
    }

    /** The tensor called {@code name}, or an error naming the file and the tensor. */
    public GgufTensor tensor(String name) {
        GgufTensor t = tensors.get(name);
        if (t == null) {
            throw new GgufFormatException(path, "no tensor named " + name);
        }
        return t;
    }

    public boolean contains(String key) {
        return metadata.containsKey(key);
    }

    public Optional<Object> find(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    private Object require(String key) {
        Object v = metadata.get(key);
        if (v == null) {
            throw new GgufFormatException(path, "missing metadata key " + key);
        }
        return v;
    }

    private <T> T as(String key, Object v, Class<T> type, String description) {
        if (!type.isInstance(v)) {
            throw new GgufFormatException(path, "metadata " + key + " should be " + description + " but is "
                    + v.getClass().getSimpleName() + " " + abbreviate(v));
        }
        return type.cast(v);
    }

    public String getString(String key) {
        return as(key, require(key), String.class, "a string");
    }

    public Optional<String> findString(String key) {
        return find(key).map(v -> as(key, v, String.class, "a string"));
    }

    /** An integer of any stored width. */
    public long getLong(String key) {
        Object v = require(key);
        if (v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        throw new GgufFormatException(path, "metadata " + key + " should be an integer but is "
                + v.getClass().getSimpleName() + " " + abbreviate(v));
    }

    public int getInt(String key) {
        long v = getLong(key);
        if (v != (int) v) {
            throw new GgufFormatException(path, "metadata " + key + " = " + v + " does not fit an int");
        }
        return (int) v;
    }

    public Optional<Integer> findInt(String key) {
        return contains(key) ? Optional.of(getInt(key)) : Optional.empty();
    }

    /** A float32 or float64 value. */
    public double getDouble(String key) {
        Object v = require(key);
        if (v instanceof Float || v instanceof Double) {
            return ((Number) v).doubleValue();
        }
        throw new GgufFormatException(path, "metadata " + key + " should be a float but is "
                + v.getClass().getSimpleName() + " " + abbreviate(v));
    }

    public float getFloat(String key) {
        return (float) getDouble(key);
    }

    public boolean getBoolean(String key) {
        return as(key, require(key), Boolean.class, "a bool");
    }

    public Optional<Boolean> findBoolean(String key) {
        return find(key).map(v -> as(key, v, Boolean.class, "a bool"));
    }

    public List<?> getList(String key) {
        return as(key, require(key), List.class, "an array");
    }

    /** An array of strings. */
    public List<String> getStringList(String key) {
        List<?> list = getList(key);
        for (Object o : list) {
            as(key, o, String.class, "an array of strings");
        }
        @SuppressWarnings("unchecked")
        List<String> strings = (List<String>) list;
        return strings;
    }

    /** An array of integers of any width, as ints (each must fit). */
    public int[] getIntArray(String key) {
        List<?> list = getList(key);
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object o = list.get(i);
            if (!(o instanceof Integer || o instanceof Long) || ((Number) o).longValue() != ((Number) o).intValue()) {
                throw new GgufFormatException(path, "metadata " + key + "[" + i + "] should be an int but is " + o);
            }
            out[i] = ((Number) o).intValue();
        }
        return out;
    }

    /** An array of float32/float64 values, as floats. */
    public float[] getFloatArray(String key) {
        List<?> list = getList(key);
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object o = list.get(i);
            if (!(o instanceof Float || o instanceof Double)) {
                throw new GgufFormatException(path, "metadata " + key + "[" + i + "] should be a float but is " + o);
            }
            out[i] = ((Number) o).floatValue();
        }
        return out;
    }

    private static String abbreviate(Object v) {
        String s = String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + " v" + version + ", " + metadata.size() + " keys, " + tensors.size() + " tensors]";
    }
}
