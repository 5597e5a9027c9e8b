package io.quantserve.registry.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a safetensors header (8-byte little-endian length, then that many bytes of JSON mapping tensor names to
 * dtype, shape and data offsets) without reading the tensors, and sums the tensors' element counts.
 */
final class SafetensorsHeader {
    /** The format caps the header at 100 MB; anything larger is not a safetensors file. */
    private static final long MAX_HEADER = 100L * 1024 * 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SafetensorsHeader() {
    }

    /** The number of parameters in the file. @throws InvalidModelException naming {@code name} */
    static long parameterCount(Path file, String name) {
        try (FileChannel channel = FileChannel.open(file)) {
            long fileSize = channel.size();
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (fileSize < 8 || channel.read(lengthBytes, 0) != 8) {
                throw new InvalidModelException(name + " is not a safetensors file: shorter than its 8-byte header "
                        + "length");
            }
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER || 8 + headerLength > fileSize) {
                throw new InvalidModelException(name + " is not a safetensors file: header length " + headerLength
                        + " does not fit the file (" + fileSize + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            while (header.hasRemaining() && channel.read(header, 8 + header.position()) > 0) {
                // read until full
            }
            return count(JSON.readTree(header.array()), fileSize - 8 - headerLength, name);
        } catch (IOException e) {
            throw new InvalidModelException("cannot read " + name + ": " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new InvalidModelException(name + ": the safetensors header is not JSON: " + e.getOriginalMessage(),
                    e);
        }
    }

    private static long count(JsonNode header, long dataSize, String name) {
        if (!header.isObject()) {
            throw new InvalidModelException(name + ": the safetensors header is not a JSON object");
        }
        long total = 0;
        for (Map.Entry<String, JsonNode> tensor : header.properties()) {
            if (tensor.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode shape = tensor.getValue().path("shape");
            JsonNode offsets = tensor.getValue().path("data_offsets");
            if (!shape.isArray() || !offsets.isArray() || offsets.size() != 2
                    || !tensor.getValue().path("dtype").isString()) {
                throw new InvalidModelException(name + ": tensor '" + tensor.getKey()
                        + "' lacks dtype, shape or data_offsets");
            }
            long elements = 1;
            for (JsonNode dim : shape) {
                if (!dim.canConvertToLong() || dim.asLong() < 0) {
                    throw new InvalidModelException(name + ": tensor '" + tensor.getKey() + "' has shape " + shape);
                }
                elements = Math.multiplyExact(elements, dim.asLong());
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin || end > dataSize) {
                throw new InvalidModelException(name + ": tensor '" + tensor.getKey() + "' has data_offsets "
                        + offsets + " outside the " + dataSize + " data bytes");
            }
            total += elements;
        }
        return total;
    }
}
