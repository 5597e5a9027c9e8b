package io.quantserve.engine.quant.write;

import io.quantserve.engine.tensor.DType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One linear layer as llm-compressor saves W8A8-int8 (compressed-tensors format "int-quantized"):
 * {@code prefix.weight} int8 [out, in] and {@code prefix.weight_scale} [out, 1] in the scale dtype. Per output
 * channel, symmetric: scale = max|w| / 127.5 (compressed-tensors' calculate_qparams divides the range by
 * (127 − (−128)) / 2, as {@link io.quantserve.engine.linear.compressed.W8A8Linears#quantize} does), floored at
 * float32 eps, rounded to the scale dtype first, then q = round-half-even(w / scale) clamped to [−128, 127], so the
 * codes match the scale a reader sees.
 *
 * <p>Scale dtype: llm-compressor stores it in the model's dtype (BF16 for a bf16 model). vLLM's
 * CompressedTensorsW8A8Int8 allocates weight_scale as float32 and copies the checkpoint tensor into it, so it accepts
 * F32, F16 or BF16 alike; so does the engine's loader.
 */
public final class W8A8Packer {
    private W8A8Packer() {
    }

    public static Map<String, PackedTensor> pack(String prefix, float[] w, int out, int in, DType scaleDtype) {
        if (w.length != (long) out * in) {
            throw new IllegalArgumentException(prefix + ": weight has " + w.length + " values, expected " + out + "x" + in);
        }
        if (scaleDtype != DType.F32 && scaleDtype != DType.F16 && scaleDtype != DType.BF16) {
            throw new IllegalArgumentException(prefix + ": weight_scale dtype " + scaleDtype + " (F32, F16 or BF16)");
        }
        byte[] q = new byte[out * in];
        float[] scales = new float[out];
        for (int r = 0; r < out; r++) {
            float max = 0;
            for (int k = 0; k < in; k++) {
                float v = w[r * in + k];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException(prefix + ": weight[" + r + ", " + k + "] is " + v);
                }
                max = Math.max(max, Math.abs(v));
            }
            float scale = PackedTensor.round(Math.max(max / 127.5f, Math.ulp(1f)), scaleDtype);
            scales[r] = scale;
            for (int k = 0; k < in; k++) {
                q[r * in + k] = (byte) Math.clamp(Math.rint(w[r * in + k] / scale), -128, 127);
            }
        }
        Map<String, PackedTensor> t = new LinkedHashMap<>();
        t.put(prefix + ".weight", new PackedTensor(DType.I8, new long[] {out, in}, q));
        t.put(prefix + ".weight_scale", PackedTensor.floats(scaleDtype, scales, out, 1));
        return t;
    }
}
