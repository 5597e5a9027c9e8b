package io.quantserve.engine.format.safetensors;

import io.quantserve.engine.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header mapping each tensor name
 * to {dtype, shape, data_offsets}, then the raw data. Mapping goes through the FFM API so files over 2 GiB work.
 * The tensors stay valid until {@link #close()}.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final Arena arena;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            SafetensorsFile parsed = parse(path, arena, file);
            return parsed;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, Arena arena, MemorySegment file) {
        if (file.byteSize() < 8) {
            throw corrupt(path, "file is " + file.byteSize() + " bytes, too short for a header");
        }
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > file.byteSize()) {
            throw corrupt(path, "header length " + headerLength + " does not fit the file size " + file.byteSize());
        }
        String headerText = new String(file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        JsonNode header;
        try {
            header = JSON.readTree(headerText);
        } catch (JacksonException e) {
            throw corrupt(path, "header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (header == null || !header.isObject()) {
            throw corrupt(path, "header is not a JSON object");
        }
        MemorySegment data = file.asSlice(8 + headerLength);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : header.properties()) {
            String name = entry.getKey();
            JsonNode info = entry.getValue();
            if (name.equals("__metadata__")) {
                info.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asString()));
                continue;
            }
            tensors.put(name, tensor(path, name, info, data));
        }
        return new SafetensorsFile(path, arena, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static Tensor tensor(Path path, String name, JsonNode info, MemorySegment data) {
        JsonNode dtypeNode = info.get("dtype");
        JsonNode shapeNode = info.get("shape");
        JsonNode offsets = info.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || offsets == null || !shapeNode.isArray() || offsets.size() != 2) {
            throw corrupt(path, "tensor '" + name + "' lacks dtype, shape or data_offsets");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensors(dtypeNode.asString());
        } catch (IllegalArgumentException e) {
            throw corrupt(path, "tensor '" + name + "' has " + e.getMessage());
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
            if (shape[i] < 0) {
                throw corrupt(path, "tensor '" + name + "' has a negative dimension");
            }
            elements = Math.multiplyExact(elements, shape[i]);
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > data.byteSize()) {
            throw corrupt(path, "tensor '" + name + "' data_offsets [" + begin + ", " + end
                    + "] fall outside the " + data.byteSize() + "-byte data section");
        }
        if (end - begin != elements * dtype.bytes()) {
            throw corrupt(path, "tensor '" + name + "' shape needs " + elements * dtype.bytes()
                    + " bytes of " + dtype + " but data_offsets span " + (end - begin));
        }
        return new Tensor(name, dtype, shape, data.asSlice(begin, end - begin));
    }

    private static IllegalArgumentException corrupt(Path path, String problem) {
        return new IllegalArgumentException(path + ": corrupt safetensors: " + problem);
    }

    public Path path() {
        return path;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        arena.close();
    }
}
