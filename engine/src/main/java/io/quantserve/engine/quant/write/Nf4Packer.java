package io.quantserve.engine.quant.write;

import io.quantserve.engine.tensor.DType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One linear layer quantized to bitsandbytes NF4 with double quantization and serialized as transformers saves a
 * Linear4bit (QuantState.as_dict(packed=True)), following bitsandbytes' default-backend quantize_4bit and
 * quantize_blockwise:
 * <ul>
 *   <li>{@code prefix.weight} uint8 [n / 2, 1]: the flattened [out, in] weight in blocks of 64, each divided by its
 *   absmax and rounded to the nearest NF4 code (ties to the lower), two codes per byte, the even element high;</li>
 *   <li>{@code weight.absmax} uint8 [blocks]: the absmaxes minus their mean (nested_offset) quantized blockwise
 *   (256 per block) to the 8-bit signed dynamic map; {@code weight.nested_absmax} f32, {@code weight.nested_quant_map}
 *   f32 [256], {@code weight.quant_map} f32 [16] (the NF4 code book);</li>
 *   <li>{@code weight.quant_state.bitsandbytes__nf4}: the UTF-8 JSON of quant_type, blocksize, dtype, shape,
 *   nested_blocksize, nested_dtype, nested_offset.</li>
 * </ul>
 */
public final class Nf4Packer {
    public static final int BLOCKSIZE = 64;
    public static final int NESTED_BLOCKSIZE = 256;
    /** bitsandbytes' NF4 code book (the same table the loader checks quant_map against). */
    static final float[] NF4 = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    };
    private static final float[] DYNAMIC_MAP = dynamicMap();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Nf4Packer() {
    }

    /**
     * @param w         [out, in] row-major
     * @param origDtype the layer's float dtype (F32, F16, BF16), recorded as the quant_state dtype bitsandbytes
     *                  dequantizes to
     */
    public static Map<String, PackedTensor> pack(String prefix, float[] w, int out, int in, DType origDtype) {
        int n = Math.multiplyExact(out, in);
        if (w.length != n) {
            throw new IllegalArgumentException(prefix + ": weight has " + w.length + " values, expected " + out + "x" + in);
        }
        int blocks = (n + BLOCKSIZE - 1) / BLOCKSIZE;
        float[] absmax = new float[blocks];
        int[] codes = new int[n + (n & 1)]; // odd n: padded with the code of 0.0, as bitsandbytes pads
        for (int b = 0; b < blocks; b++) {
            int start = b * BLOCKSIZE;
            int end = Math.min(n, start + BLOCKSIZE);
            float am = 0;
            for (int i = start; i < end; i++) {
                if (!Float.isFinite(w[i])) {
                    throw new IllegalArgumentException(prefix + ": weight[" + i / in + ", " + i % in + "] is " + w[i]);
                }
                am = Math.max(am, Math.abs(w[i]));
            }
            absmax[b] = am;
            blockCodes(w, start, end, am, end - start == BLOCKSIZE, NF4, codes);
        }
        if ((n & 1) == 1) {
            codes[n] = nearest(0f, NF4);
        }
        byte[] packed = new byte[codes.length / 2];
        for (int i = 0; i < packed.length; i++) {
            packed[i] = (byte) ((codes[2 * i] << 4) | codes[2 * i + 1]);
        }

        // double quantization: absmax - mean, blockwise to the 8-bit dynamic map
        double sum = 0;
        for (float a : absmax) {
            sum += a;
        }
        float offset = (float) (sum / blocks);
        float[] centered = new float[blocks];
        for (int i = 0; i < blocks; i++) {
            centered[i] = absmax[i] - offset;
        }
        int nestedBlocks = (blocks + NESTED_BLOCKSIZE - 1) / NESTED_BLOCKSIZE;
        float[] nestedAbsmax = new float[nestedBlocks];
        int[] absmaxCodes = new int[blocks];
        for (int b = 0; b < nestedBlocks; b++) {
            int start = b * NESTED_BLOCKSIZE;
            int end = Math.min(blocks, start + NESTED_BLOCKSIZE);
            float am = 0;
            for (int i = start; i < end; i++) {
                am = Math.max(am, Math.abs(centered[i]));
            }
            nestedAbsmax[b] = am;
            blockCodes(centered, start, end, am, end - start == NESTED_BLOCKSIZE, DYNAMIC_MAP, absmaxCodes);
        }
        byte[] absmaxBytes = new byte[blocks];
        for (int i = 0; i < blocks; i++) {
            absmaxBytes[i] = (byte) absmaxCodes[i];
        }

        ObjectNode state = JSON.createObjectNode();
        state.put("quant_type", "nf4");
        state.put("blocksize", BLOCKSIZE);
        state.put("dtype", torchName(prefix, origDtype));
        state.putArray("shape").add(out).add(in);
        state.put("nested_blocksize", NESTED_BLOCKSIZE);
        state.put("nested_dtype", "float32");
        state.put("nested_offset", (double) offset); // as_dict writes offset.item(): the float32 value as a double
        byte[] stateBytes = JSON.writeValueAsString(state).getBytes(StandardCharsets.UTF_8);

        Map<String, PackedTensor> t = new LinkedHashMap<>();
        t.put(prefix + ".weight", new PackedTensor(DType.U8, new long[] {packed.length, 1}, packed));
        t.put(prefix + ".weight.absmax", new PackedTensor(DType.U8, new long[] {blocks}, absmaxBytes));
        t.put(prefix + ".weight.quant_map", PackedTensor.f32(NF4.clone(), 16));
        t.put(prefix + ".weight.nested_absmax", PackedTensor.f32(nestedAbsmax, nestedBlocks));
        t.put(prefix + ".weight.nested_quant_map", PackedTensor.f32(DYNAMIC_MAP.clone(), 256));
        t.put(prefix + ".weight.quant_state.bitsandbytes__nf4",
                new PackedTensor(DType.U8, new long[] {stateBytes.length}, stateBytes));
        return t;
    }

    /**
     * Codes of x[start, end) scaled by 1 / absmax: a full block multiplies by the reciprocal, the partial tail
     * divides, as bitsandbytes' default backend does (the two can differ in the last bit).
     */
    private static void blockCodes(float[] x, int start, int end, float absmax, boolean full, float[] code, int[] out) {
        float clamped = Math.max(absmax, 1e-38f);
        float inv = 1f / clamped;
        for (int i = start; i < end; i++) {
            float scaled = Math.clamp(full ? x[i] * inv : x[i] / clamped, -1f, 1f);
            out[i] = nearest(scaled, code);
        }
    }

    /** torch.bucketize against the midpoints of a sorted code (right=False): ties go to the lower code. */
    private static int nearest(float v, float[] sortedCode) {
        int i = 0;
        while (i < sortedCode.length - 1 && (sortedCode[i] + sortedCode[i + 1]) / 2 < v) {
            i++;
        }
        return i;
    }

    /** bitsandbytes' create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8), sorted as it stores it. */
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
        Arrays.sort(data, 0, k);
        return data;
    }

    private static String torchName(String prefix, DType dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> throw new IllegalArgumentException(prefix + ": weight dtype " + dtype + " is not a float dtype");
        };
    }
}
