package io.quantserve.engine.linear;

import io.quantserve.engine.linear.BnbNf4Packer.Packed;
import io.quantserve.engine.linear.BnbNf4Packer.Tensor;
import io.quantserve.engine.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test-side writer of one linear layer as llm-compressor saves W8A8-int8 (compressed-tensors int-quantized):
 * {@code weight} I8 [out, in] and {@code weight_scale} [out, 1] in the model's dtype, scale = max|w| / 127.5
 * (compressed-tensors' symmetric calculate_qparams), q = round(w / scale) clamped to [-128, 127].
 */
public final class W8A8Packer {
    public static final String CONFIG = """
            {"quant_method": "compressed-tensors", "format": "int-quantized", "quantization_status": "compressed",
             "config_groups": {"group_0": {"targets": ["Linear"],
               "weights": {"num_bits": 8, "type": "int", "symmetric": true, "strategy": "channel", "dynamic": false},
               "input_activations": {"num_bits": 8, "type": "int", "symmetric": true, "strategy": "token",
                                     "dynamic": true}}},
             "ignore": ["lm_head"]}""";

    private W8A8Packer() {
    }

    /** int8 weights [out, in] with their per-channel scales as stored (rounded to the scale dtype). */
    public record Int8Weights(byte[] q, float[] scales) {
    }

    public static Packed pack(String prefix, float[] w, int out, int in, DType scaleDtype) {
        Int8Weights iw = quantize(w, out, in, scaleDtype);
        float[] deq = new float[out * in];
        for (int i = 0; i < deq.length; i++) {
            deq[i] = iw.q[i] * iw.scales[i / in];
        }
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put(prefix + ".weight", new Tensor(DType.I8, new long[] {out, in}, iw.q));
        t.put(prefix + ".weight_scale", new Tensor(scaleDtype, new long[] {out, 1}, encode(iw.scales, scaleDtype)));
        return new Packed(t, deq);
    }

    public static Int8Weights quantize(float[] w, int out, int in, DType scaleDtype) {
        byte[] q = new byte[out * in];
        float[] scales = new float[out];
        for (int r = 0; r < out; r++) {
            float max = 0;
            for (int k = 0; k < in; k++) {
                max = Math.max(max, Math.abs(w[r * in + k]));
            }
            float scale = stored(Math.max(max / 127.5f, Math.ulp(1f)), scaleDtype); // the scale as it is stored
            scales[r] = scale;
            for (int k = 0; k < in; k++) {
                int v = (int) Math.clamp(Math.rint(w[r * in + k] / scale), -128, 127);
                q[r * in + k] = (byte) v;
            }
        }
        return new Int8Weights(q, scales);
    }

    /** v rounded to the storage dtype (round to nearest even), back as float. */
    static float stored(float v, DType dtype) {
        return switch (dtype) {
            case F32 -> v;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(v));
            case BF16 -> Float.intBitsToFloat(bf16(v) << 16);
            default -> throw new IllegalArgumentException("scale dtype " + dtype);
        };
    }

    static int bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
    }

    static byte[] encode(float[] v, DType dtype) {
        ByteBuffer b = ByteBuffer.allocate(v.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            switch (dtype) {
                case F32 -> b.putFloat(f);
                case F16 -> b.putShort(Float.floatToFloat16(f));
                case BF16 -> b.putShort((short) bf16(f));
                default -> throw new IllegalArgumentException("dtype " + dtype);
            }
        }
        return b.array();
    }
}
