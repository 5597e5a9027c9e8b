package io.quantserve.engine.quant.write;

import io.quantserve.engine.quant.QuantizedWeight;
import io.quantserve.engine.tensor.DType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One linear layer as AutoGPTQ's QuantLinear.pack writes it (checkpoint_format "gptq", v1), the layout vLLM,
 * transformers/optimum and {@link io.quantserve.engine.linear.GptqConfig} read:
 * <ul>
 *   <li>{@code prefix.qweight} int32 [in · bits / 32, out]: input k in word k / (32 / bits) at bit (k % (32 / bits)) · bits;</li>
 *   <li>{@code prefix.qzeros} int32 [groups, out · bits / 32]: zero − 1 (the v1 convention), packed along the output;</li>
 *   <li>{@code prefix.scales} fp16 [groups, out];</li>
 *   <li>{@code prefix.g_idx} int32 [in]: each input channel's group (a permutation of k / group with act-order).</li>
 * </ul>
 * Bits 2, 4 and 8. 3-bit is refused: AutoGPTQ packs it across word boundaries (32 values in 3 words) and no loader
 * here reads it. A zero point of 0 is refused too: v1 would store −1, which readers mask to 2^bits − 1 and read back
 * as 2^bits (the known v1 overflow); the quantizer has to keep asymmetric zeros ≥ 1.
 */
public final class GptqPacker {
    private GptqPacker() {
    }

    public static Map<String, PackedTensor> pack(String prefix, QuantizedWeight w) {
        return pack(prefix, w, false);
    }

    /**
     * With {@code v2} the zeros are stored as they are (GPTQModel's checkpoint_format "gptq_v2"), which holds a
     * zero point of 0 that v1 cannot.
     */
    public static Map<String, PackedTensor> pack(String prefix, QuantizedWeight w, boolean v2) {
        int bits = w.bits();
        if (bits != 2 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException(prefix + ": bits " + bits + " cannot be written as GPTQ (2, 4 or 8;"
                    + " AutoGPTQ's 3-bit packing crosses int32 words and is not supported)");
        }
        int perInt = 32 / bits;
        if (w.in() % perInt != 0) {
            throw new IllegalArgumentException(prefix + ": in_features " + w.in() + " is not a multiple of " + perInt
                    + " (qweight packs " + perInt + " input channels per int32 at " + bits + " bits)");
        }
        if (w.out() % perInt != 0) {
            throw new IllegalArgumentException(prefix + ": out_features " + w.out() + " is not a multiple of " + perInt
                    + " (qzeros packs " + perInt + " outputs per int32 at " + bits + " bits)");
        }
        LayerChecks.checkCodes(prefix, w);
        LayerChecks.checkGroupIndex(prefix, w);
        int out = w.out();
        int in = w.in();
        int groups = w.groups();
        int[] zeros = LayerChecks.integerZerosByGroup(prefix, w);
        for (int i = 0; i < zeros.length && !v2; i++) {
            if (zeros[i] == 0) {
                throw new IllegalArgumentException(prefix + ": zero point 0 (output " + i % out + ", group " + i / out
                        + ") cannot be stored in GPTQ v1 (stored as zero - 1 = -1, read back as " + (1 << bits)
                        + "); keep asymmetric zeros >= 1");
            }
            zeros[i] -= 1;
        }

        int[] qweight = new int[in / perInt * out];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                qweight[(k / perInt) * out + o] |= w.q()[o * in + k] << ((k % perInt) * bits);
            }
        }
        int words = out / perInt;
        int[] qzeros = new int[groups * words];
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < out; o++) {
                qzeros[g * words + o / perInt] |= zeros[g * out + o] << ((o % perInt) * bits);
            }
        }
        Map<String, PackedTensor> t = new LinkedHashMap<>();
        t.put(prefix + ".qweight", PackedTensor.i32(qweight, in / perInt, out));
        t.put(prefix + ".qzeros", PackedTensor.i32(qzeros, groups, words));
        t.put(prefix + ".scales", PackedTensor.floats(DType.F16, LayerChecks.fp16ScalesByGroup(prefix, w), groups, out));
        t.put(prefix + ".g_idx", PackedTensor.i32(w.gIdx().clone(), in));
        return t;
    }
}
