package io.quantserve.engine.gpu.model;

import io.quantserve.engine.quant.QuantizedWeight;
import io.quantserve.engine.quant.write.AwqGemmPacker;

/**
 * A 4-bit GPTQ layer in the AWQ layout the GPU's W4A16 kernels read, made at load time: the same codes, zero points
 * and fp16 scales, packed along the output instead of the input. An act-order layer (g_idx not k / group_size) has
 * its input channels sorted by group first, so that every group is a run of consecutive rows as AWQ needs, and keeps
 * that order as {@code perm}: the layer then reads its input gathered as {@code x[perm[j]]} (how vLLM's exllama and
 * Marlin kernels run act-order too). {@code perm} is null when the groups are already in order.
 */
record GptqRepack(AwqGemmPacker.Layout layout, int groupSize, int[] perm) {

    static GptqRepack of(String prefix, QuantizedWeight w) {
        if (w.bits() != 4) {
            throw new UnsupportedOperationException(prefix + ": the GPU backend runs 4-bit GPTQ layers; this one has "
                    + w.bits() + " bits (use --backend cpu)");
        }
        if (w.hasSequentialGroups()) {
            return new GptqRepack(AwqGemmPacker.layout(prefix, w), w.groupSize(), null);
        }
        int[] perm = groupOrder(prefix, w);
        return new GptqRepack(AwqGemmPacker.layout(prefix, permuted(w, perm)), w.groupSize(), perm);
    }

    /** The fp16 bit patterns of the scales (which fp16 holds exactly), as the device takes them. */
    short[] scalesF16() {
        float[] s = layout.scales();
        short[] h = new short[s.length];
        for (int i = 0; i < s.length; i++) {
            h[i] = Float.floatToFloat16(s[i]);
        }
        return h;
    }

    /**
     * The input channels sorted by group, in their order within a group: perm[j] is the channel at row j. Every
     * group must hold group_size channels, as GPTQ's act-order writes them.
     */
    static int[] groupOrder(String prefix, QuantizedWeight w) {
        int groups = w.groups();
        int[] count = new int[groups];
        for (int g : w.gIdx()) {
            count[g]++;
        }
        int[] next = new int[groups];
        for (int g = 0; g < groups; g++) {
            if (count[g] != w.groupSize()) {
                throw new IllegalArgumentException(prefix + ": g_idx puts " + count[g] + " input channels in group " + g
                        + ", not group_size " + w.groupSize() + " (the GPU layout needs equal groups)");
            }
            next[g] = g * w.groupSize();
        }
        int[] perm = new int[w.in()];
        for (int k = 0; k < w.in(); k++) {
            perm[next[w.gIdx()[k]]++] = k;
        }
        return perm;
    }

    /** The weight with its input channels in {@code perm}'s order: groups now k / group_size. */
    private static QuantizedWeight permuted(QuantizedWeight w, int[] perm) {
        int in = w.in();
        int[] q = new int[w.q().length];
        for (int o = 0; o < w.out(); o++) {
            for (int j = 0; j < in; j++) {
                q[o * in + j] = w.q()[o * in + perm[j]];
            }
        }
        return new QuantizedWeight(w.bits(), w.groupSize(), w.out(), in, q, w.scales(), w.zeros(),
                QuantizedWeight.sequentialGroups(in, w.groupSize()), w.symmetric());
    }
}
