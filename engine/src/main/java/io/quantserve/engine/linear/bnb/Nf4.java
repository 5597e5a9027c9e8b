package io.quantserve.engine.linear.bnb;

/**
 * The NF4 code book of bitsandbytes (QLoRA's NormalFloat4): sixteen quantiles of N(0, 1) scaled to [-1, 1], code
 * 0 the most negative and code 7 exactly zero. bitsandbytes dequantizes with this fixed table whatever quant_map a
 * checkpoint stores, so the loader checks the stored map against it rather than trusting it.
 */
final class Nf4 {
    static final float[] CODES = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    };

    /** Block sizes bitsandbytes accepts for 4-bit quantization. */
    static boolean validBlocksize(int blocksize) {
        return blocksize >= 32 && blocksize <= 4096 && Integer.bitCount(blocksize) == 1;
    }

    /** The 4-bit code of flattened element e: two codes per byte, the even element in the high nibble. */
    static int code(byte packed, long e) {
        return (e & 1) == 0 ? (packed >> 4) & 0xF : packed & 0xF;
    }

    private Nf4() {
    }
}
