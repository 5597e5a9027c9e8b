package io.quantserve.engine.quant;

/**
 * What to quantize to. Defaults follow the reference implementations: AutoAWQ (4-bit, group 128, zero point),
 * AutoGPTQ (damp 1%, block 128), HQQ (group 64), SmoothQuant (alpha 0.5).
 *
 * @param groupSize   input columns per group, -1 for one group per output channel
 * @param symmetric   zero point fixed at the middle of the range (GPTQ/RTN option)
 * @param descAct     GPTQ act-order
 * @param alpha       SmoothQuant migration strength
 * @param ggufType    GGUF target: q4_0, q8_0, q4_k, q4_k_m, q6_k, f16
 * @param searchTokens calibration tokens the AWQ search and the error report look at (a subsample)
 */
public record QuantizeOptions(Method method, int bits, int groupSize, boolean symmetric, boolean descAct, float alpha,
        String ggufType, int samples, int seqLen, long seed, int searchTokens) {

    public QuantizeOptions {
        if (bits != 2 && bits != 3 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException("--bits must be 2, 3, 4 or 8, got " + bits);
        }
        if (groupSize == 0 || groupSize < -1) {
            throw new IllegalArgumentException("--group-size must be -1 (per channel) or positive, got " + groupSize);
        }
        if (method == Method.AWQ && bits != 4 && bits != 3) {
            throw new IllegalArgumentException("awq supports 4 bits (3 for the accuracy study), got " + bits);
        }
        if (method == Method.NF4 && bits != 4) {
            throw new IllegalArgumentException("nf4 is 4-bit, got --bits " + bits);
        }
        if (method == Method.SMOOTHQUANT && bits != 8) {
            throw new IllegalArgumentException("smoothquant writes W8A8: use --bits 8, got " + bits);
        }
        if (alpha < 0 || alpha > 1) {
            throw new IllegalArgumentException("--alpha must be in [0, 1], got " + alpha);
        }
        if (samples < 1 || seqLen < 2) {
            throw new IllegalArgumentException("--samples must be >= 1 and --seq-len >= 2");
        }
    }

    public QuantizeOptions withGroupSize(int group) {
        return new QuantizeOptions(method, bits, group, symmetric, descAct, alpha, ggufType, samples, seqLen, seed,
                searchTokens);
    }

    /** The reference defaults for a method at {@code bits}. */
    public static QuantizeOptions defaults(Method method, int bits) {
        int group = method == Method.HQQ ? 64 : 128;
        return new QuantizeOptions(method, bits, group, false, false, 0.5f, "q4_k_m", 128, 512, 0, 4096);
    }
}
