package io.quantserve.engine.linear.bnb;

import io.quantserve.engine.format.safetensors.Tensor;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The non-tensor part of a bitsandbytes QuantState, stored as the UTF-8 bytes of a JSON object in
 * {@code prefix.weight.quant_state.bitsandbytes__nf4}. nested_* fields are present only with double quantization.
 */
record Nf4QuantState(String quantType, int blocksize, String dtype, long[] shape, boolean nested,
        int nestedBlocksize, float nestedOffset) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Nf4QuantState parse(String prefix, Tensor packed) {
        String text = new String(packed.data().toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        JsonNode json;
        try {
            json = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(prefix + ": " + packed.name() + " is not a JSON object: "
                    + e.getOriginalMessage(), e);
        }
        String type = required(prefix, json, "quant_type").asString();
        int blocksize = required(prefix, json, "blocksize").asInt();
        JsonNode shapeNode = required(prefix, json, "shape");
        if (!shapeNode.isArray()) {
            throw new IllegalArgumentException(prefix + ": quant_state shape must be a list, is " + shapeNode);
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
        }
        String dtype = json.hasNonNull("dtype") ? json.get("dtype").asString() : "float32";
        boolean nested = json.hasNonNull("nested_blocksize");
        int nestedBlocksize = nested ? json.get("nested_blocksize").asInt() : 0;
        // bitsandbytes reads the offset back with float(...) into a float32 tensor
        float offset = nested ? (float) required(prefix, json, "nested_offset").asDouble() : 0f;
        return new Nf4QuantState(type, blocksize, dtype, shape, nested, nestedBlocksize, offset);
    }

    private static JsonNode required(String prefix, JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(prefix + ": quant_state has no " + field);
        }
        return v;
    }
}
