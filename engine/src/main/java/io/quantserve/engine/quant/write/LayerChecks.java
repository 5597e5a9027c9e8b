package io.quantserve.engine.quant.write;

import io.quantserve.engine.quant.QuantizedWeight;

/** The checks and transposes the AWQ and GPTQ packers share; errors name the layer and the field. */
final class LayerChecks {
    private LayerChecks() {
    }

    /** zeros [out, groups] → whole numbers [groups, out]; fractional zeros (HQQ) have no integer checkpoint form. */
    static int[] integerZerosByGroup(String prefix, QuantizedWeight w) {
        int groups = w.groups();
        int[] z = new int[groups * w.out()];
        int maxq = (1 << w.bits()) - 1;
        for (int o = 0; o < w.out(); o++) {
            for (int g = 0; g < groups; g++) {
                float v = w.zeros()[o * groups + g];
                if (v != Math.rint(v) || v < 0 || v > maxq) {
                    throw new IllegalArgumentException(prefix + ": zero point " + v + " of output " + o + ", group "
                            + g + " is not a whole number in [0, " + maxq + "] (integer checkpoints store whole zeros)");
                }
                z[g * w.out() + o] = (int) v;
            }
        }
        return z;
    }

    /** scales [out, groups] → [groups, out] rounded to fp16, refusing values fp16 cannot hold. */
    static float[] fp16ScalesByGroup(String prefix, QuantizedWeight w) {
        int groups = w.groups();
        float[] s = new float[groups * w.out()];
        for (int o = 0; o < w.out(); o++) {
            for (int g = 0; g < groups; g++) {
                float v = w.scales()[o * groups + g];
                float h = Float.float16ToFloat(Float.floatToFloat16(v));
                if (!Float.isFinite(h)) {
                    throw new IllegalArgumentException(prefix + ": scale " + v + " of output " + o + ", group " + g
                            + " does not fit fp16 (checkpoints store fp16 scales)");
                }
                s[g * w.out() + o] = h;
            }
        }
        return s;
    }

    static void checkCodes(String prefix, QuantizedWeight w) {
        int maxq = (1 << w.bits()) - 1;
        int[] q = w.q();
        for (int i = 0; i < q.length; i++) {
            if (q[i] < 0 || q[i] > maxq) {
                throw new IllegalArgumentException(prefix + ": code " + q[i] + " at [" + i / w.in() + ", "
                        + i % w.in() + "] is outside [0, " + maxq + "] for " + w.bits() + " bits");
            }
        }
    }

    static void checkGroupIndex(String prefix, QuantizedWeight w) {
        for (int k = 0; k < w.in(); k++) {
            if (w.gIdx()[k] < 0 || w.gIdx()[k] >= w.groups()) {
                throw new IllegalArgumentException(prefix + ": g_idx[" + k + "] = " + w.gIdx()[k] + " is outside [0, "
                        + w.groups() + ")");
            }
        }
    }
}
