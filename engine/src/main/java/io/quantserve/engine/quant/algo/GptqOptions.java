package io.quantserve.engine.quant.algo;

/**
 * AutoGPTQ's {@code BaseQuantizeConfig} knobs that shape {@code fasterquant}.
 *
 * @param groupSize    -1 for one group per output channel
 * @param symmetric    AutoGPTQ {@code sym} (default true)
 * @param descAct      act-order: columns processed by descending diag(H)
 * @param staticGroups group parameters fixed up front from the original columns (so g_idx stays k / groupSize)
 * @param dampPercent  damping added to diag(H), relative to its mean (default 0.01)
 * @param blockSize    columns per lazy-update block (default 128)
 */
public record GptqOptions(int bits, int groupSize, boolean symmetric, boolean descAct, boolean staticGroups,
        double dampPercent, int blockSize) {

    public GptqOptions {
        Shapes.bits(bits);
        if (groupSize == 0 || groupSize < -1) {
            throw new IllegalArgumentException("gptq: group_size must be positive or -1, got " + groupSize);
        }
        if (!(dampPercent > 0 && dampPercent < 1)) {
            throw new IllegalArgumentException("gptq: damp_percent must be in (0, 1), got " + dampPercent);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("gptq: block size must be positive, got " + blockSize);
        }
    }

    /** AutoGPTQ defaults: sym, no act-order, no static groups, damp 0.01, block 128. */
    public static GptqOptions defaults(int bits, int groupSize) {
        return new GptqOptions(bits, groupSize, true, false, false, 0.01, 128);
    }

    public GptqOptions withSymmetric(boolean sym) {
        return new GptqOptions(bits, groupSize, sym, descAct, staticGroups, dampPercent, blockSize);
    }

    public GptqOptions withDescAct(boolean act, boolean staticGroups) {
        return new GptqOptions(bits, groupSize, symmetric, act, staticGroups, dampPercent, blockSize);
    }
}
