package io.quantserve.engine.linear.bnb;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2I;

import io.quantserve.engine.kernel.LaneMath;
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
 * absmax, so one permute gives sixteen scaled weights. The bytes are sign-extended, and neither nibble is masked:
 * selectFrom wraps each index modulo the 16 lanes (as the permute instruction does), so the high nibble is the int
 * shifted right by four and the low nibble the int itself. x is reordered once per call into per-32 [even | odd]
 * halves so that the looked-up weights line up with it. The loops are written out: no helper
 * of ours takes or returns a vector (see PanamaKernels in the kernel package for why).
 */
final class PanamaNf4 {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    /** Weights per 16-byte step. */
    private static final int STEP = 32;
    /** Weights per iteration of the two-row loop: two steps. */
    private static final int UNIT = 64;
    /** Row length from which {@link #quad} reads four rows per pass. */
    private static final int QUAD_COLUMNS = 8192;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final FloatVector TABLE = F.length() == 16 ? FloatVector.fromArray(F, Nf4.CODES, 0) : null;

    private PanamaNf4() {
    }

    /** Needs the 16-entry table in one vector and blocks that start at every row start. */
    static boolean supports(int inFeatures, int blocksize) {
        return F.length() == 16 && inFeatures % blocksize == 0 && blocksize % STEP == 0;
    }

    /** Rows [r0, r1) times x, given as {@link #evenOdd}{@code (x)}. */
    static void matvecRows(MemorySegment packed, float[] absmax, int blocksize, int in, float[] xs,
            float[] y, int yOff, int r0, int r1) {
        int blocksPerRow = in / blocksize;
        int stepsPerBlock = blocksize / STEP;
        long rowBytes = in / 2;
        // rows r and r + half together: two distant streams in flight (see pair), for blocks of 64·2^k weights
        int unitsPerBlock = blocksize / UNIT;
        boolean paired = blocksize % UNIT == 0 && Integer.bitCount(unitsPerBlock) == 1;
        int unitShift = Integer.numberOfTrailingZeros(unitsPerBlock);
        // rows of 8192 columns and more: four distant rows per pass first (see quad)
        int quarter = paired && in >= QUAD_COLUMNS ? (r1 - r0) / 4 : 0;
        for (int r = r0; r < r0 + quarter; r++) {
            quad(packed, absmax, in, unitShift, r, r + quarter, r + 2 * quarter, r + 3 * quarter, xs, y, yOff - r0);
        }
        int rest = r0 + 4 * quarter;
        int half = paired ? (r1 - rest) / 2 : 0;
        for (int r = rest; r < rest + half; r++) {
            pair(packed, absmax, in, unitShift, r, r + half, xs, y, yOff - r0);
        }
        for (int r = rest + 2 * half; r < r1; r++) {
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
                    IntVector v0 = (IntVector) ByteVector.fromMemorySegment(B, packed, off, LE).convertShape(B2I, I, 0);
                    IntVector v1 = (IntVector) ByteVector.fromMemorySegment(B, packed, off + 16, LE)
                            .convertShape(B2I, I, 0);
                    FloatVector w0 = v0.lanewise(ASHR, 4).selectFrom(table).reinterpretAsFloats();
                    FloatVector w1 = v0.selectFrom(table).reinterpretAsFloats();
                    FloatVector w2 = v1.lanewise(ASHR, 4).selectFrom(table).reinterpretAsFloats();
                    FloatVector w3 = v1.selectFrom(table).reinterpretAsFloats();
                    a0 = w0.fma(FloatVector.fromArray(F, xs, xo), a0);
                    a1 = w1.fma(FloatVector.fromArray(F, xs, xo + 16), a1);
                    a2 = w2.fma(FloatVector.fromArray(F, xs, xo + 32), a2);
                    a3 = w3.fma(FloatVector.fromArray(F, xs, xo + 48), a3);
                }
                if (s < stepsPerBlock) { // blocksize 32: one step per block
                    IntVector v0 = (IntVector) ByteVector.fromMemorySegment(B, packed, off, LE).convertShape(B2I, I, 0);
                    FloatVector w0 = v0.lanewise(ASHR, 4).selectFrom(table).reinterpretAsFloats();
                    FloatVector w1 = v0.selectFrom(table).reinterpretAsFloats();
                    a0 = w0.fma(FloatVector.fromArray(F, xs, xo), a0);
                    a1 = w1.fma(FloatVector.fromArray(F, xs, xo + 16), a1);
                    off += 16;
                    xo += STEP;
                }
            }
            y[yOff + r - r0] = LaneMath.sum(a0.add(a1).add(a2.add(a3)));
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
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(B, packed, off, LE).convertShape(B2I, I, 0);
                    IntVector even = v.lanewise(ASHR, 4).selectFrom(table);
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
     * half. One flat loop over units of 64 weights, each unit's tables scaled from its block's absmax: a loop over
     * the steps of a block ran two iterations, and C2 compiled that either as a plain loop or, in other runs, with
     * pre- and post-loops around an unrolled body that never ran, at two-thirds of the speed.
     */
    private static void pair(MemorySegment packed, float[] absmax, int in, int unitShift, int r, int q, float[] xs,
            float[] y, int yAt) {
        long offR = r * (long) in / 2;
        long offQ = q * (long) in / 2;
        int blockR = (int) ((long) r * (in / UNIT) >>> unitShift);
        int blockQ = (int) ((long) q * (in / UNIT) >>> unitShift);
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        for (int u = 0, units = in / UNIT; u < units; u++, offR += UNIT / 2, offQ += UNIT / 2) {
            IntVector tableR = TABLE.mul(absmax[blockR + (u >>> unitShift)]).reinterpretAsInts();
            IntVector tableQ = TABLE.mul(absmax[blockQ + (u >>> unitShift)]).reinterpretAsInts();
            int xo = u * UNIT;
            FloatVector xe0 = FloatVector.fromArray(F, xs, xo);
            FloatVector xd0 = FloatVector.fromArray(F, xs, xo + 16);
            FloatVector xe1 = FloatVector.fromArray(F, xs, xo + 32);
            FloatVector xd1 = FloatVector.fromArray(F, xs, xo + 48);
            IntVector v0 = (IntVector) ByteVector.fromMemorySegment(B, packed, offR, LE).convertShape(B2I, I, 0);
            IntVector v1 = (IntVector) ByteVector.fromMemorySegment(B, packed, offR + 16, LE).convertShape(B2I, I, 0);
            IntVector w0 = (IntVector) ByteVector.fromMemorySegment(B, packed, offQ, LE).convertShape(B2I, I, 0);
            IntVector w1 = (IntVector) ByteVector.fromMemorySegment(B, packed, offQ + 16, LE).convertShape(B2I, I, 0);
            a0 = v0.lanewise(ASHR, 4).selectFrom(tableR).reinterpretAsFloats().fma(xe0, a0);
            a1 = v0.selectFrom(tableR).reinterpretAsFloats().fma(xd0, a1);
            a2 = v1.lanewise(ASHR, 4).selectFrom(tableR).reinterpretAsFloats().fma(xe1, a2);
            a3 = v1.selectFrom(tableR).reinterpretAsFloats().fma(xd1, a3);
            b0 = w0.lanewise(ASHR, 4).selectFrom(tableQ).reinterpretAsFloats().fma(xe0, b0);
            b1 = w0.selectFrom(tableQ).reinterpretAsFloats().fma(xd0, b1);
            b2 = w1.lanewise(ASHR, 4).selectFrom(tableQ).reinterpretAsFloats().fma(xe1, b2);
            b3 = w1.selectFrom(tableQ).reinterpretAsFloats().fma(xd1, b3);
        }
        y[yAt + r] = LaneMath.sum(a0.add(a1).add(a2.add(a3)));
        y[yAt + q] = LaneMath.sum(b0.add(b1).add(b2.add(b3)));
    }

    /**
     * As {@link #pair}, four distant rows per pass, half the x loads per weight: for rows of 8192 columns and more,
     * which ran at about two-thirds of the speed of short ones with two (2048x8192: 24 -> 32-34 GB/s on 2 threads).
     */
    private static void quad(MemorySegment packed, float[] absmax, int in, int unitShift, int a, int b, int c, int d,
            float[] xs, float[] y, int yAt) {
        long offA = a * (long) in / 2;
        int blockA = (int) ((long) a * (in / UNIT) >>> unitShift);
        long offB = b * (long) in / 2;
        int blockB = (int) ((long) b * (in / UNIT) >>> unitShift);
        long offC = c * (long) in / 2;
        int blockC = (int) ((long) c * (in / UNIT) >>> unitShift);
        long offD = d * (long) in / 2;
        int blockD = (int) ((long) d * (in / UNIT) >>> unitShift);
        // four accumulators per row, as pair and the one-row loop have: a row's sum has the same bits whichever
        // of them computes it (which depends on how the rows were split: a batch of decodes splits them otherwise)
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector c2 = a0;
        FloatVector c3 = a0;
        FloatVector d0 = a0;
        FloatVector d1 = a0;
        FloatVector d2 = a0;
        FloatVector d3 = a0;
        for (int u = 0, units = in / UNIT; u < units; u++) {
            int xo = u * UNIT;
            long step = (long) u * (UNIT / 2);
            FloatVector xe0 = FloatVector.fromArray(F, xs, xo);
            FloatVector xd0 = FloatVector.fromArray(F, xs, xo + 16);
            FloatVector xe1 = FloatVector.fromArray(F, xs, xo + 32);
            FloatVector xd1 = FloatVector.fromArray(F, xs, xo + 48);
            IntVector ta = TABLE.mul(absmax[blockA + (u >>> unitShift)]).reinterpretAsInts();
            IntVector av0 = (IntVector) ByteVector.fromMemorySegment(B, packed, offA + step, LE)
                    .convertShape(B2I, I, 0);
            IntVector av1 = (IntVector) ByteVector.fromMemorySegment(B, packed, offA + step + 16, LE)
                    .convertShape(B2I, I, 0);
            a0 = av0.lanewise(ASHR, 4).selectFrom(ta).reinterpretAsFloats().fma(xe0, a0);
            a1 = av0.selectFrom(ta).reinterpretAsFloats().fma(xd0, a1);
            a2 = av1.lanewise(ASHR, 4).selectFrom(ta).reinterpretAsFloats().fma(xe1, a2);
            a3 = av1.selectFrom(ta).reinterpretAsFloats().fma(xd1, a3);
            IntVector tb = TABLE.mul(absmax[blockB + (u >>> unitShift)]).reinterpretAsInts();
            IntVector bv0 = (IntVector) ByteVector.fromMemorySegment(B, packed, offB + step, LE)
                    .convertShape(B2I, I, 0);
            IntVector bv1 = (IntVector) ByteVector.fromMemorySegment(B, packed, offB + step + 16, LE)
                    .convertShape(B2I, I, 0);
            b0 = bv0.lanewise(ASHR, 4).selectFrom(tb).reinterpretAsFloats().fma(xe0, b0);
            b1 = bv0.selectFrom(tb).reinterpretAsFloats().fma(xd0, b1);
            b2 = bv1.lanewise(ASHR, 4).selectFrom(tb).reinterpretAsFloats().fma(xe1, b2);
            b3 = bv1.selectFrom(tb).reinterpretAsFloats().fma(xd1, b3);
            IntVector tc = TABLE.mul(absmax[blockC + (u >>> unitShift)]).reinterpretAsInts();
            IntVector cv0 = (IntVector) ByteVector.fromMemorySegment(B, packed, offC + step, LE)
                    .convertShape(B2I, I, 0);
            IntVector cv1 = (IntVector) ByteVector.fromMemorySegment(B, packed, offC + step + 16, LE)
                    .convertShape(B2I, I, 0);
            c0 = cv0.lanewise(ASHR, 4).selectFrom(tc).reinterpretAsFloats().fma(xe0, c0);
            c1 = cv0.selectFrom(tc).reinterpretAsFloats().fma(xd0, c1);
            c2 = cv1.lanewise(ASHR, 4).selectFrom(tc).reinterpretAsFloats().fma(xe1, c2);
            c3 = cv1.selectFrom(tc).reinterpretAsFloats().fma(xd1, c3);
            IntVector td = TABLE.mul(absmax[blockD + (u >>> unitShift)]).reinterpretAsInts();
            IntVector dv0 = (IntVector) ByteVector.fromMemorySegment(B, packed, offD + step, LE)
                    .convertShape(B2I, I, 0);
            IntVector dv1 = (IntVector) ByteVector.fromMemorySegment(B, packed, offD + step + 16, LE)
                    .convertShape(B2I, I, 0);
            d0 = dv0.lanewise(ASHR, 4).selectFrom(td).reinterpretAsFloats().fma(xe0, d0);
            d1 = dv0.selectFrom(td).reinterpretAsFloats().fma(xd0, d1);
            d2 = dv1.lanewise(ASHR, 4).selectFrom(td).reinterpretAsFloats().fma(xe1, d2);
            d3 = dv1.selectFrom(td).reinterpretAsFloats().fma(xd1, d3);
        }
        y[yAt + a] = LaneMath.sum(a0.add(a1).add(a2.add(a3)));
        y[yAt + b] = LaneMath.sum(b0.add(b1).add(b2.add(b3)));
        y[yAt + c] = LaneMath.sum(c0.add(c1).add(c2.add(c3)));
        y[yAt + d] = LaneMath.sum(d0.add(d1).add(d2.add(d3)));
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
