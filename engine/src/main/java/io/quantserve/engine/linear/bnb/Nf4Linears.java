package io.quantserve.engine.linear.bnb;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Builds NF4 layers from float weights in memory (benchmarks, synthetic models), the way bitsandbytes quantizes. */
public final class Nf4Linears {
    public static final int DEFAULT_BLOCKSIZE = 64;

    private Nf4Linears() {
    }

    /** w: [out, in] row-major; block size 64, no bias. */
    public static Nf4Linear quantize(float[] w, int out, int in) {
        return quantize(w, out, in, DEFAULT_BLOCKSIZE);
    }

    /**
     * bitsandbytes' quantize_4bit: the flattened weight in blocks of {@code blocksize} (the last may be partial),
     * each scaled by its absmax into [-1, 1] and rounded to the nearest NF4 code (ties to the lower code), two codes
     * per byte with the even element in the high nibble.
     */
    public static Nf4Linear quantize(float[] w, int out, int in, int blocksize) {
        long n = (long) out * in;
        if (w.length != n) {
            throw new IllegalArgumentException("weight has " + w.length + " values, expected " + out + "x" + in);
        }
        if (!Nf4.validBlocksize(blocksize)) {
            throw new IllegalArgumentException("blocksize " + blocksize + " is not a power of two in [32, 4096]");
        }
        int blocks = Math.toIntExact((n + blocksize - 1) / blocksize);
        float[] absmax = new float[blocks];
        MemorySegment packed = Arena.ofAuto().allocate((n + 1) / 2, 64);
        for (int b = 0; b < blocks; b++) {
            int start = b * blocksize;
            int end = (int) Math.min(n, (long) start + blocksize);
            float am = 0;
            for (int i = start; i < end; i++) {
                am = Math.max(am, Math.abs(w[i]));
            }
            absmax[b] = am;
            float inv = 1f / Math.max(am, 1e-38f);
            for (int i = start; i < end; i++) {
                int code = nearest(Math.clamp(w[i] * inv, -1f, 1f));
                long at = i >>> 1;
                byte old = packed.get(ValueLayout.JAVA_BYTE, at);
                byte now = (i & 1) == 0 ? (byte) ((old & 0x0F) | (code << 4)) : (byte) ((old & 0xF0) | code);
                packed.set(ValueLayout.JAVA_BYTE, at, now);
            }
        }
        return new Nf4Linear(in, out, null, packed, absmax, blocksize);
    }

    /** The NF4 code whose value is nearest to v in [-1, 1]: the count of midpoints below v. */
    static int nearest(float v) {
        int code = 0;
        while (code < 15 && (Nf4.CODES[code] + Nf4.CODES[code + 1]) / 2 < v) {
            code++;
        }
        return code;
    }
}
