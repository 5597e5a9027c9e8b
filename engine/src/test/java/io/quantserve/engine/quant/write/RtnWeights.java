package io.quantserve.engine.quant.write;

import io.quantserve.engine.quant.QuantizedWeight;
import java.util.Random;

/**
 * Test input for the packers: a float weight quantized round-to-nearest into a {@link QuantizedWeight}, and the
 * weight a reader of the written checkpoint must reconstruct, (q − zero) · fp16(scale).
 */
final class RtnWeights {
    private RtnWeights() {
    }

    /**
     * @param groupSize input channels per group ({@code in} for per channel)
     * @param actOrder  columns assigned to groups by a random permutation (GPTQ desc_act)
     * @param minZero   smallest asymmetric zero (1 for GPTQ v1)
     */
    static QuantizedWeight quantize(float[] w, int out, int in, int bits, int groupSize, boolean sym, boolean actOrder,
            int minZero, Random rnd) {
        int groups = in / groupSize;
        int[] gIdx = QuantizedWeight.sequentialGroups(in, groupSize);
        if (actOrder) {
            for (int i = in - 1; i > 0; i--) { // shuffle: g_idx[perm[i]] = i / groupSize
                int j = rnd.nextInt(i + 1);
                int t = gIdx[i];
                gIdx[i] = gIdx[j];
                gIdx[j] = t;
            }
        }
        int maxq = (1 << bits) - 1;
        float[] scales = new float[out * groups];
        float[] zeros = new float[out * groups];
        int[] q = new int[out * in];
        for (int o = 0; o < out; o++) {
            float[] min = new float[groups];
            float[] max = new float[groups];
            for (int k = 0; k < in; k++) {
                min[gIdx[k]] = Math.min(min[gIdx[k]], w[o * in + k]);
                max[gIdx[k]] = Math.max(max[gIdx[k]], w[o * in + k]);
            }
            for (int g = 0; g < groups; g++) {
                int at = o * groups + g;
                if (sym) {
                    float amax = Math.max(-min[g], max[g]);
                    scales[at] = amax > 0 ? 2 * amax / maxq : 1f;
                    zeros[at] = (maxq + 1) / 2;
                } else {
                    scales[at] = max[g] > min[g] ? (max[g] - min[g]) / maxq : 1f;
                    zeros[at] = Math.clamp(Math.round(-min[g] / scales[at]), minZero, maxq);
                }
            }
            for (int k = 0; k < in; k++) {
                int at = o * groups + gIdx[k];
                q[o * in + k] = Math.clamp(Math.round(w[o * in + k] / scales[at]) + (int) zeros[at], 0, maxq);
            }
        }
        return new QuantizedWeight(bits, groupSize, out, in, q, scales, zeros, gIdx, sym);
    }

    /** What the checkpoint stands for: (q − zero) · scale with the scale rounded to fp16 as it is stored. */
    static float[] expected(QuantizedWeight w) {
        float[] out = new float[w.out() * w.in()];
        int groups = w.groups();
        for (int o = 0; o < w.out(); o++) {
            for (int k = 0; k < w.in(); k++) {
                int g = o * groups + w.gIdx()[k];
                float s = Float.float16ToFloat(Float.floatToFloat16(w.scales()[g]));
                out[o * w.in() + k] = (w.q()[o * w.in() + k] - w.zeros()[g]) * s;
            }
        }
        return out;
    }
}
