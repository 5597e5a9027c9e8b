package io.quantserve.engine.linear.bnb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.linear.DenseLinear;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.testing.MapSource;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;

/** Double-quantized absmax decoding on known values, and per-layer errors naming the layer and field. */
class Nf4ConfigTest {
    private static final String P = "model.layers.0.mlp.up_proj";
    private final Nf4Config config = Nf4Config.from(new ObjectMapper().readTree(
            "{\"load_in_4bit\": true, \"bnb_4bit_quant_type\": \"nf4\"}"));

    @Test
    void nestedAbsmaxIsMapTimesNestedAbsmaxPlusOffset() {
        float[] map = new float[256];
        map[0] = -1f;
        map[1] = 0.5f;
        map[255] = 1f;
        byte[] q = {0, 1, (byte) 255, 1, 0};
        float[] nested = {2f, 4f}; // nested blocksize 3: q[0..2] use 2, q[3..4] use 4
        float[] absmax = Nf4Config.decodeNestedAbsmax(q, nested, map, 3, 0.25f);
        assertThat(absmax).containsExactly(-1.75f, 1.25f, 2.25f, 2.25f, -3.75f);
    }

    @Test
    void loadsADoubleQuantizedLayerWithTheOffset() {
        Map<String, Tensor> t = layer(2, 32, "[2, 32]", true);
        Linear layer = config.load(MapSource.of(t), P, 32, 2);
        float[] w = ((Nf4Linear) layer).dequantize();
        // every code 0xF (1.0) and every absmax code 1: 0.5 * 2 + 0.25 = 1.25
        assertThat(w).containsOnly(1.25f);
    }

    @Test
    void refusesMismatchesNamingLayerAndField() {
        assertThatThrownBy(() -> config.load(MapSource.of(layer(2, 32, "[2, 33]", false)), P, 32, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(P).hasMessageContaining("shape");
        Map<String, Tensor> t = layer(2, 32, "[2, 32]", false);
        t.put(P + ".weight.absmax", f32(P + ".weight.absmax", new float[3]));
        assertThatThrownBy(() -> config.load(MapSource.of(t), P, 32, 2)).hasMessageContaining(P + ".weight.absmax");
        Map<String, Tensor> map = layer(2, 32, "[2, 32]", false);
        float[] wrong = BnbCodes.values();
        wrong[3] = 0.1f;
        map.put(P + ".weight.quant_map", f32(P + ".weight.quant_map", wrong));
        assertThatThrownBy(() -> config.load(MapSource.of(map), P, 32, 2)).hasMessageContaining("quant_map[3]");
        Map<String, Tensor> fp4 = layer(2, 32, "[2, 32]", false);
        fp4.put(P + ".weight.quant_state.bitsandbytes__fp4", fp4.remove(P + ".weight.quant_state.bitsandbytes__nf4"));
        assertThatThrownBy(() -> config.load(MapSource.of(fp4), P, 32, 2)).hasMessageContaining("fp4");
        Map<String, Tensor> bytes = layer(2, 32, "[2, 32]", false);
        bytes.put(P + ".weight", u8(P + ".weight", new byte[31]));
        assertThatThrownBy(() -> config.load(MapSource.of(bytes), P, 32, 2)).hasMessageContaining(P + ".weight: 31 bytes");
    }

    @Test
    void floatLayersWithoutQuantStateStayFloat() {
        Map<String, Tensor> t = new HashMap<>();
        Tensor flat = f32("lm_head.weight", new float[8]);
        t.put("lm_head.weight", new Tensor(flat.name(), DType.F32, new long[] {2, 4}, flat.data()));
        assertThat(config.load(MapSource.of(t), "lm_head", 4, 2)).isInstanceOf(DenseLinear.class);
    }

    /** A [out, in] layer of all-0xFF codes; absmax 1.0 per block, or double-quantized codes of 1.25. */
    private static Map<String, Tensor> layer(int out, int in, String shape, boolean nested) {
        int n = out * in;
        int blocks = (n + 63) / 64;
        Map<String, Tensor> t = new HashMap<>();
        byte[] packed = new byte[n / 2];
        java.util.Arrays.fill(packed, (byte) 0xFF);
        t.put(P + ".weight", u8(P + ".weight", packed));
        t.put(P + ".weight.quant_map", f32(P + ".weight.quant_map", BnbCodes.values()));
        String json = "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": " + shape;
        if (nested) {
            byte[] q = new byte[blocks];
            java.util.Arrays.fill(q, (byte) 1);
            float[] map = new float[256];
            map[1] = 0.5f;
            t.put(P + ".weight.absmax", u8(P + ".weight.absmax", q));
            t.put(P + ".weight.nested_absmax", f32(P + ".weight.nested_absmax", new float[] {2f}));
            t.put(P + ".weight.nested_quant_map", f32(P + ".weight.nested_quant_map", map));
            json += ", \"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": 0.25";
        } else {
            float[] absmax = new float[blocks];
            java.util.Arrays.fill(absmax, 1f);
            t.put(P + ".weight.absmax", f32(P + ".weight.absmax", absmax));
        }
        String name = P + ".weight.quant_state.bitsandbytes__nf4";
        t.put(name, u8(name, (json + "}").getBytes(StandardCharsets.UTF_8)));
        return t;
    }


    private static Tensor u8(String name, byte[] b) {
        return new Tensor(name, DType.U8, new long[] {b.length}, MemorySegment.ofArray(b));
    }

    private static Tensor f32(String name, float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return new Tensor(name, DType.F32, new long[] {v.length}, MemorySegment.ofArray(b.array()));
    }

    private static final class BnbCodes {
        static float[] values() {
            return Nf4.CODES.clone();
        }
    }
}
