package io.quantserve.engine.quant.write;

import io.quantserve.engine.quant.QuantizedWeight;
import io.quantserve.engine.tensor.DType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One linear layer in AutoAWQ's "gemm" layout (WQLinear_GEMM.from_linear), as vLLM, transformers and
 * {@link io.quantserve.engine.linear.AwqConfig} read it:
 * <ul>
 *   <li>{@code prefix.qweight} int32 [in, out / 8]: the codes transposed, eight outputs per word, nibble n of word w
 *   holding output 8w + [0, 2, 4, 6, 1, 3, 5, 7][n] (AutoAWQ's order_map);</li>
 *   <li>{@code prefix.qzeros} int32 [in / group, out / 8]: the whole zero points, packed the same way;</li>
 *   <li>{@code prefix.scales} fp16 [in / group, out].</li>
 * </ul>
 * 4 bits only, groups of consecutive input channels only (AWQ has no g_idx).
 */
public final class AwqGemmPacker {
    static final int[] ORDER_MAP = {0, 2, 4, 6, 1, 3, 5, 7};

    private AwqGemmPacker() {
    }

    public static Map<String, PackedTensor> pack(String prefix, QuantizedWeight w) {
        Layout l = layout(prefix, w);
        int groups = w.groups();
        Map<String, PackedTensor> t = new LinkedHashMap<>();
        t.put(prefix + ".qweight", PackedTensor.i32(l.qweight(), w.in(), w.out() / 8));
        t.put(prefix + ".qzeros", PackedTensor.i32(l.qzeros(), groups, w.out() / 8));
        t.put(prefix + ".scales", PackedTensor.floats(DType.F16, l.scales(), groups, w.out()));
        return t;
    }

    /**
     * The three arrays of the layout: qweight [in, out / 8], qzeros [groups, out / 8], scales [groups, out] (values
     * fp16 holds exactly).
     */
    public record Layout(int[] qweight, int[] qzeros, float[] scales) {
    }

    /** The layer in AWQ's layout; errors name the layer and what AWQ cannot hold. */
    public static Layout layout(String prefix, QuantizedWeight w) {
        if (w.bits() != 4) {
            throw new IllegalArgumentException(prefix + ": bits " + w.bits() + " cannot be written as AWQ gemm (4-bit only)");
        }
        if (w.out() % 8 != 0) {
            throw new IllegalArgumentException(prefix + ": out_features " + w.out()
                    + " is not a multiple of 8 (AWQ packs eight outputs per int32)");
        }
        if (!w.hasSequentialGroups()) {
            throw new IllegalArgumentException(prefix + ": g_idx is reordered (act-order); AWQ stores only groups of"
                    + " consecutive input channels");
        }
        LayerChecks.checkCodes(prefix, w);
        int out = w.out();
        int in = w.in();
        int[] transposed = new int[in * out];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                transposed[k * out + o] = w.q()[o * in + k];
            }
        }
        return new Layout(pack(transposed, in, out), pack(LayerChecks.integerZerosByGroup(prefix, w), w.groups(), out),
                LayerChecks.fp16ScalesByGroup(prefix, w));
    }

    /** 4-bit values [rows, cols] → int32 [rows, cols / 8] in AWQ's interleaved nibble order. */
    static int[] pack(int[] values, int rows, int cols) {
        int words = cols / 8;
        int[] packed = new int[rows * words];
        for (int r = 0; r < rows; r++) {
            for (int w = 0; w < words; w++) {
                int word = 0;
                for (int n = 0; n < 8; n++) {
                    word |= values[r * cols + 8 * w + ORDER_MAP[n]] << (4 * n);
                }
                packed[r * words + w] = word;
            }
        }
        return packed;
    }
}
