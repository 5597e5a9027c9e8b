package io.quantserve.engine.linear;

import io.quantserve.engine.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test-side quantizer writing one linear layer exactly as bitsandbytes 4-bit NF4 serializes it through transformers
 * (Linear4bit._save_to_state_dict with QuantState.as_dict(packed=True)), following the default (torch) backend's
 * quantize_4bit and quantize_blockwise. It also gives the weight bitsandbytes' dequantize_4bit would reconstruct,
 * computed here independently of the engine's loader, as the float reference.
 */
public final class BnbNf4Packer {
    static final float[] NF4 = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    };
    static final int NESTED_BLOCKSIZE = 256;

    public record Tensor(DType dtype, long[] shape, byte[] bytes) {
    }

    /** The serialized tensors by name, and the dequantized [out, in] weight. */
    public record Packed(Map<String, Tensor> tensors, float[] dequantized) {
    }

    private BnbNf4Packer() {
    }

    public static Packed pack(String prefix, float[] w, int out, int in, int blocksize, boolean doubleQuant,
            String dtype) {
        int n = out * in;
        int blocks = (n + blocksize - 1) / blocksize;
        float[] absmax = new float[blocks];
        int[] codes = new int[n + (n & 1)]; // padded to even with the code of 0.0, as bitsandbytes pads
        for (int b = 0; b < blocks; b++) {
            int start = b * blocksize;
            int end = Math.min(n, start + blocksize);
            float am = 0;
            for (int i = start; i < end; i++) {
                am = Math.max(am, Math.abs(w[i]));
            }
            absmax[b] = am;
            boolean full = end - start == blocksize;
            float clamped = Math.max(am, 1e-38f);
            float inv = 1f / clamped;
            for (int i = start; i < end; i++) {
                // full blocks multiply by the reciprocal, the partial tail divides (default backend)
                float scaled = Math.clamp(full ? w[i] * inv : w[i] / clamped, -1f, 1f);
                codes[i] = bucketize(scaled, NF4);
            }
        }
        if ((n & 1) == 1) {
            codes[n] = bucketize(0f, NF4);
        }
        byte[] packed = new byte[codes.length / 2];
        for (int i = 0; i < packed.length; i++) {
            packed[i] = (byte) ((codes[2 * i] << 4) | codes[2 * i + 1]);
        }

        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put(prefix + ".weight", new Tensor(DType.U8, new long[] {packed.length, 1}, packed));
        float[] usedAbsmax = absmax;
        StringBuilder json = new StringBuilder();
        json.append("{\"quant_type\": \"nf4\", \"blocksize\": ").append(blocksize).append(", \"dtype\": \"")
                .append(dtype).append("\", \"shape\": [").append(out).append(", ").append(in).append("]");
        if (doubleQuant) {
            double sum = 0;
            for (float a : absmax) {
                sum += a;
            }
            float offset = (float) (sum / blocks);
            float[] centered = new float[blocks];
            for (int i = 0; i < blocks; i++) {
                centered[i] = absmax[i] - offset;
            }
            float[] map = dynamicMap();
            int nestedBlocks = (blocks + NESTED_BLOCKSIZE - 1) / NESTED_BLOCKSIZE;
            float[] nestedAbsmax = new float[nestedBlocks];
            byte[] q = new byte[blocks];
            for (int b = 0; b < nestedBlocks; b++) {
                int start = b * NESTED_BLOCKSIZE;
                int end = Math.min(blocks, start + NESTED_BLOCKSIZE);
                float am = 0;
                for (int i = start; i < end; i++) {
                    am = Math.max(am, Math.abs(centered[i]));
                }
                nestedAbsmax[b] = am;
                float clamped = Math.max(am, 1e-38f);
                boolean full = end - start == NESTED_BLOCKSIZE;
                for (int i = start; i < end; i++) {
                    float scaled = Math.clamp(full ? centered[i] * (1f / clamped) : centered[i] / clamped, -1f, 1f);
                    q[i] = (byte) bucketize(scaled, map);
                }
            }
            usedAbsmax = new float[blocks];
            for (int i = 0; i < blocks; i++) {
                usedAbsmax[i] = map[q[i] & 0xFF] * nestedAbsmax[i / NESTED_BLOCKSIZE] + offset;
            }
            t.put(prefix + ".weight.absmax", new Tensor(DType.U8, new long[] {blocks}, q));
            t.put(prefix + ".weight.quant_map", f32(NF4));
            t.put(prefix + ".weight.nested_absmax", f32(nestedAbsmax));
            t.put(prefix + ".weight.nested_quant_map", f32(map));
            // as_dict writes nested_offset with offset.item(): the float32 value as a Python float
            json.append(", \"nested_blocksize\": ").append(NESTED_BLOCKSIZE).append(", \"nested_dtype\": \"float32\"")
                    .append(", \"nested_offset\": ").append((double) offset);
        } else {
            t.put(prefix + ".weight.absmax", f32(absmax));
            t.put(prefix + ".weight.quant_map", f32(NF4));
        }
        json.append('}');
        byte[] state = json.toString().getBytes(StandardCharsets.UTF_8);
        t.put(prefix + ".weight.quant_state.bitsandbytes__nf4", new Tensor(DType.U8, new long[] {state.length}, state));

        float[] deq = new float[n];
        for (int i = 0; i < n; i++) {
            deq[i] = NF4[codes[i]] * usedAbsmax[i / blocksize];
        }
        return new Packed(t, deq);
    }

    /** torch.bucketize(v, midpoints of the sorted code), right=False: the number of midpoints strictly below v. */
    static int bucketize(float v, float[] sortedCode) {
        int i = 0;
        while (i < sortedCode.length - 1 && (sortedCode[i] + sortedCode[i + 1]) / 2 < v) {
            i++;
        }
        return i;
    }

    /** bitsandbytes' create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8), sorted. */
    static float[] dynamicMap() {
        float[] data = new float[256];
        int k = 0;
        for (int i = 0; i < 7; i++) {
            int items = (1 << i) + 1;
            float[] boundaries = new float[items];
            for (int j = 0; j < items; j++) {
                boundaries[j] = (float) (0.1 + 0.9 * j / (items - 1));
            }
            double scale = Math.pow(10, -6 + i);
            for (int j = 0; j < items - 1; j++) {
                float mean = (boundaries[j] + boundaries[j + 1]) / 2;
                data[k++] = (float) (scale * mean);
                data[k++] = (float) (-scale * mean);
            }
        }
        data[k++] = 0;
        data[k++] = 1;
        java.util.Arrays.sort(data, 0, k);
        if (k != 256) {
            throw new IllegalStateException("dynamic map has " + k + " values");
        }
        return data;
    }

    static Tensor f32(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return new Tensor(DType.F32, new long[] {v.length}, b.array());
    }
}
