package io.quantserve.engine.linear.bnb;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * NF4 matrix-vector product on the packed bytes, for 16-lane float vectors (AVX-512). Sixteen bytes (32 weights)
 * are widened to sixteen ints; the high nibbles are the even columns and the low nibbles the odd ones, and each
 * nibble indexes a 16-entry table of NF4 values held in one vector register, already multiplied by the block's
 * absmax, so one permute gives sixteen scaled weights. x is reordered once per call into per-32 [even | odd] halves
 * so that the looked-up weights line up with it.
 */
final class PanamaNf4 {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    /** Weights per 16-byte step. */
    private static final int STEP = 32;
    private static final FloatVector TABLE = F.length() == 16 ? FloatVector.fromArray(F, Nf4.CODES, 0) : null;

    private PanamaNf4() {
    }

    /** Needs the 16-entry table in one vector and blocks that start at every row start. */
    static boolean supports(int inFeatures, int blocksize) {
        return F.length() == 16 && inFeatures % blocksize == 0 && blocksize % STEP == 0;
    }

    static void matvecRows(MemorySegment packed, float[] absmax, int blocksize, int in, float[] x, int xOff,
            float[] y, int yOff, int r0, int r1) {
        float[] xs = evenOdd(x, xOff, in);
        int blocksPerRow = in / blocksize;
        int stepsPerBlock = blocksize / STEP;
        long rowBytes = in / 2;
        // rows r and r + half together: two distant streams in flight (see pair)
        int half = (r1 - r0) / 2;
        for (int r = r0; r < r0 + half; r++) {
            pair(packed, absmax, blocksPerRow, stepsPerBlock, rowBytes, r, r + half, xs, y, yOff - r0);
        }
        for (int r = r0 + 2 * half; r < r1; r++) {
            long off = r * rowBytes;
            int block = r * blocksPerRow;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            int xo = 0;
            for (int b = 0; b < blocksPerRow; b++, block++) {
                IntVector table = TABLE.mul(absmax[block]).reinterpretAsInts();
                int s = 0;
                for (; s + 2 <= stepsPerBlock; s += 2, off += 32, xo += 2 * STEP) {
                    IntVector v0 = codes(packed, off);
                    IntVector v1 = codes(packed, off + 16);
                    a0 = high(v0, table).fma(FloatVector.fromArray(F, xs, xo), a0);
                    a1 = low(v0, table).fma(FloatVector.fromArray(F, xs, xo + 16), a1);
                    a2 = high(v1, table).fma(FloatVector.fromArray(F, xs, xo + 32), a2);
                    a3 = low(v1, table).fma(FloatVector.fromArray(F, xs, xo + 48), a3);
                }
                if (s < stepsPerBlock) { // blocksize 32: one step per block
                    IntVector v0 = codes(packed, off);
                    a0 = high(v0, table).fma(FloatVector.fromArray(F, xs, xo), a0);
                    a1 = low(v0, table).fma(FloatVector.fromArray(F, xs, xo + 16), a1);
                    off += 16;
                    xo += STEP;
                }
            }
            y[yOff + r - r0] = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        }
    }

    /** Lane m of the first 16 weights of a step: even m from the high-nibble vector, odd m from the low one. */
    private static final IntVector INTERLEAVE_FIRST = F.length() == 16 ? interleave(0) : null;
    private static final IntVector INTERLEAVE_SECOND = F.length() == 16 ? interleave(8) : null;

    private static IntVector interleave(int from) {
        int[] idx = new int[16];
        for (int m = 0; m < 16; m++) {
            // selectFrom(v1, v2): indices 16.. pick from v2 (the low nibbles, the odd columns)
            idx[m] = from + m / 2 + (m % 2 == 0 ? 0 : 16);
        }
        return IntVector.fromArray(I, idx, 0);
    }

    /**
     * Rows [r0, r1) as floats in natural column order, the same values as {@link Nf4Linear#dequantizeRows} (the
     * table entry times absmax, one rounding): the looked-up even and odd columns are interleaved by a two-vector
     * permute. For prefill tiles.
     */
    static void dequantize(MemorySegment packed, float[] absmax, int blocksize, int in, int r0, int r1, float[] out) {
        int blocksPerRow = in / blocksize;
        int stepsPerBlock = blocksize / STEP;
        long rowBytes = in / 2;
        for (int r = r0; r < r1; r++) {
            long off = r * rowBytes;
            int block = r * blocksPerRow;
            int o = (r - r0) * in;
            for (int b = 0; b < blocksPerRow; b++, block++) {
                IntVector table = TABLE.mul(absmax[block]).reinterpretAsInts();
                for (int s = 0; s < stepsPerBlock; s++, off += 16, o += STEP) {
                    IntVector v = codes(packed, off);
                    IntVector even = v.lanewise(VectorOperators.ASHR, 4).selectFrom(table);
                    IntVector odd = v.selectFrom(table);
                    INTERLEAVE_FIRST.selectFrom(even, odd).reinterpretAsFloats().intoArray(out, o);
                    INTERLEAVE_SECOND.selectFrom(even, odd).reinterpretAsFloats().intoArray(out, o + 16);
                }
            }
        }
    }

    /**
     * Rows r and q (far apart) in one pass, sharing the x loads. One row stream per core left too few DRAM misses in
     * flight (~9 GB/s per core, below what the kernel computes from cache); a second distant stream adds a fifth to a
     * half.
     */
    private static void pair(MemorySegment packed, float[] absmax, int blocksPerRow, int stepsPerBlock, long rowBytes,
            int r, int q, float[] xs, float[] y, int yAt) {
        long offR = r * rowBytes;
        long offQ = q * rowBytes;
        int blockR = r * blocksPerRow;
        int blockQ = q * blocksPerRow;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        int xo = 0;
        for (int b = 0; b < blocksPerRow; b++) {
            IntVector tableR = TABLE.mul(absmax[blockR + b]).reinterpretAsInts();
            IntVector tableQ = TABLE.mul(absmax[blockQ + b]).reinterpretAsInts();
            for (int s = 0; s < stepsPerBlock; s++, offR += 16, offQ += 16, xo += STEP) {
                FloatVector xe = FloatVector.fromArray(F, xs, xo);
                FloatVector xd = FloatVector.fromArray(F, xs, xo + 16);
                IntVector v = codes(packed, offR);
                IntVector u = codes(packed, offQ);
                a0 = high(v, tableR).fma(xe, a0);
                a1 = low(v, tableR).fma(xd, a1);
                b0 = high(u, tableQ).fma(xe, b0);
                b1 = low(u, tableQ).fma(xd, b1);
            }
        }
        y[yAt + r] = a0.add(a1).reduceLanes(VectorOperators.ADD);
        y[yAt + q] = b0.add(b1).reduceLanes(VectorOperators.ADD);
    }

    /** Sixteen packed bytes, sign-extended to ints: only the low four bits of each lane are ever used. */
    private static IntVector codes(MemorySegment packed, long off) {
        return (IntVector) ByteVector.fromMemorySegment(B, packed, off, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, I, 0);
    }

    /**
     * selectFrom wraps each index modulo the 16 lanes (as the permute instruction does), so the nibble needs no mask:
     * the high nibble is the byte shifted right by four, the low nibble the byte itself.
     */
    private static FloatVector high(IntVector bytes, IntVector table) {
        return bytes.lanewise(VectorOperators.ASHR, 4).selectFrom(table).reinterpretAsFloats();
    }

    private static FloatVector low(IntVector bytes, IntVector table) {
        return bytes.selectFrom(table).reinterpretAsFloats();
    }

    /** x reordered per 32 columns into [16 even columns | 16 odd columns], matching high and low nibbles. */
    static float[] evenOdd(float[] x, int xOff, int n) {
        float[] xs = new float[n];
        for (int c = 0; c < n; c += STEP) {
            for (int j = 0; j < STEP / 2; j++) {
                xs[c + j] = x[xOff + c + 2 * j];
                xs[c + STEP / 2 + j] = x[xOff + c + 2 * j + 1];
            }
        }
        return xs;
    }
}
