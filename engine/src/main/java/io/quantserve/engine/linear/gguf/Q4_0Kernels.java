package io.quantserve.engine.linear.gguf;

import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;

import io.quantserve.engine.kernel.LaneMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 512-bit decode kernel and tile dequantizer over {@link Q4_0Rows}. Per super-block and row: one 16-int load, and
 * one unsigned shift by 4 of it; then each of the eight 4-bit fields is masked in place (bits 8b..8b+3 of the
 * loaded ints for low nibbles, of the shifted ints for high ones: q·2^(8b), exact as a float), converted and
 * multiplied with 16 consecutive inputs that were scaled by 2^(-8b) once per call. Each block's partial sum is
 * then scaled by its d. The offset 8 is not subtracted per element: {@code Σ (q-8)·d·x = d·(Σ q·x − 8·Σ x)}, with
 * the blocks' 8·Σx computed once per call. Two distant rows per pass share the x loads and keep two DRAM streams in
 * flight. Loading this class needs jdk.incubator.vector: only {@link GgufLinear} touches it, after checking.
 */
final class Q4_0Kernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> H = ShortVector.SPECIES_256;

    private Q4_0Kernels() {
    }

    /** Whether the preferred float vector is 512 bits, as this kernel is written for. */
    static boolean usable() {
        return FloatVector.SPECIES_PREFERRED.length() == 16;
    }

    /**
     * One token's x as the kernel reads it: scaled per field (powers of two: exact unless |x| < 2^-102) and
     * zero-padded to whole super-blocks, and 8 times each block's sum.
     */
    record Input(float[] xp, float[] xs) {
    }

    static Input input(Q4_0Rows w, float[] x, int xOff) {
        int supers = w.supers;
        float[] xp = new float[supers * Q4_0Rows.SUPER];
        float[] xs = new float[supers * 4];
        for (int b = 0, blocks = w.in / 32; b < blocks; b++) {
            FloatVector lo = FloatVector.fromArray(F, x, xOff + 32 * b);
            FloatVector hi = FloatVector.fromArray(F, x, xOff + 32 * b + 16);
            float scale = 1f / (1 << (8 * (b & 3)));
            lo.mul(scale).intoArray(xp, 32 * b);
            hi.mul(scale).intoArray(xp, 32 * b + 16);
            xs[b] = LaneMath.sum(lo.add(hi)) * 8;
        }
        return new Input(xp, xs);
    }

    static void matvec(Q4_0Rows w, Input in, float[] y, int yOff, int r0, int r1) {
        int supers = w.supers;
        float[] xp = in.xp();
        float[] xs = in.xs();
        float[] dA = new float[supers * 4];
        float[] dB = new float[supers * 4];
        int half = (r1 - r0) / 2;
        // One column slice over all rows before the next (see Q4_0Rows). The scales are converted out here, not in
        // pair: C2 compiles pair as one unit. Four rows per pass for long rows ran 2048x8192 at 7-10 GB/s against
        // 16-18 for two (before the column slices).
        for (int from = 0; from < supers; from += 1 << w.sliceShift) {
            int to = Math.min(supers, from + (1 << w.sliceShift));
            for (int r = r0; r < r0 + half; r++) {
                int b = r + half;
                float cA = scales(w.scales, w.superAt(r, from) * 4, dA, from * 4, to * 4, xs);
                float cB = scales(w.scales, w.superAt(b, from) * 4, dB, from * 4, to * 4, xs);
                pair(w, xp, dA, dB, y, yOff - r0, r, b, cA, cB, from, to);
            }
            if (((r1 - r0) & 1) != 0) {
                float c = scales(w.scales, w.superAt(r1 - 1, from) * 4, dA, from * 4, to * 4, xs);
                pair(w, xp, dA, dA, y, yOff - r0, r1 - 1, r1 - 1, c, c, from, to);
            }
        }
    }

    /**
     * Super-blocks [from, to) of rows a and b in one pass (a == b for an odd last row: the same sums, counted once);
     * the first slice sets y, the others add to it. Their block scales were converted to floats dA, dB by
     * {@link #scales}, which also gave the slice's offset terms cA, cB. Blocks 0, 2 and
     * 1, 3 of a super-block go to separate accumulators so that consecutive scale FMAs do not wait on each other.
     */
    private static void pair(Q4_0Rows w, float[] xp, float[] dA, float[] dB, float[] y, int yAt, int a, int b,
            float cA, float cB, int from, int to) {
        int[] packed = w.packed;
        // super-block s of the slice's rows at base + 16 * s
        int baseA = (w.superAt(a, from) - from) * 16;
        int baseB = (w.superAt(b, from) - from) * 16;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        for (int s = from; s < to; s++) {
            IntVector v = IntVector.fromArray(I, packed, baseA + 16 * s);
            IntVector u = IntVector.fromArray(I, packed, baseB + 16 * s);
            IntVector v4 = v.lanewise(VectorOperators.LSHR, 4);
            IntVector u4 = u.lanewise(VectorOperators.LSHR, 4);
            for (int h = 0; h < 2; h++) {
                int m0 = 0xF << (16 * h);
                int m1 = 0xF00 << (16 * h);
                int xb = 128 * s + 64 * h;
                int blk = 4 * s + 2 * h;
                FloatVector xl0 = FloatVector.fromArray(F, xp, xb);
                FloatVector xh0 = FloatVector.fromArray(F, xp, xb + 16);
                FloatVector xl1 = FloatVector.fromArray(F, xp, xb + 32);
                FloatVector xh1 = FloatVector.fromArray(F, xp, xb + 48);
                a0 = ((FloatVector) v.and(m0).convert(I2F, 0))
                        .fma(xl0, ((FloatVector) v4.and(m0).convert(I2F, 0)).mul(xh0))
                        .fma(FloatVector.broadcast(F, dA[blk]), a0);
                a1 = ((FloatVector) v.and(m1).convert(I2F, 0))
                        .fma(xl1, ((FloatVector) v4.and(m1).convert(I2F, 0)).mul(xh1))
                        .fma(FloatVector.broadcast(F, dA[blk + 1]), a1);
                b0 = ((FloatVector) u.and(m0).convert(I2F, 0))
                        .fma(xl0, ((FloatVector) u4.and(m0).convert(I2F, 0)).mul(xh0))
                        .fma(FloatVector.broadcast(F, dB[blk]), b0);
                b1 = ((FloatVector) u.and(m1).convert(I2F, 0))
                        .fma(xl1, ((FloatVector) u4.and(m1).convert(I2F, 0)).mul(xh1))
                        .fma(FloatVector.broadcast(F, dB[blk + 1]), b1);
            }
        }
        float sumA = LaneMath.sum(a0.add(a1)) - cA;
        float sumB = LaneMath.sum(b0.add(b1)) - cB;
        if (from == 0) {
            y[yAt + a] = sumA;
            y[yAt + b] = sumB;
        } else {
            y[yAt + a] += sumA;
            if (b != a) {
                y[yAt + b] += sumB;
            }
        }
    }

    /**
     * One row's fp16 block scales of blocks [from, to) (stored from {@code at}) as floats into {@code d[from..to)};
     * returns {@code Σ d·xs} over them, their offset term. Sixteen
     * at a time by bits (one scalar conversion per block was a quarter of decode time): sign to bit 31, exponent and
     * mantissa moved up 13 bits, which reads as the value times 2^-112 (subnormal halves land on subnormal floats),
     * then times 2^112, a power of two and so exact. Infinite and NaN halves get the all-ones float exponent first,
     * which the multiply keeps.
     */
    static float scales(short[] scales, int at, float[] d, int from, int to, float[] xs) {
        FloatVector c = FloatVector.zero(F);
        int i = from;
        for (; i + 16 <= to; i += 16) {
            IntVector h = (IntVector) ShortVector.fromArray(H, scales, at + i - from)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector magnitude = h.and(0x7FFF);
            FloatVector di = magnitude.lanewise(LSHL, 13).or(h.and(0x8000).lanewise(LSHL, 16))
                    .lanewise(VectorOperators.OR, 0x70000000, magnitude.compare(VectorOperators.GE, 0x7C00))
                    .reinterpretAsFloats().mul(0x1p112f);
            di.intoArray(d, i);
            c = di.fma(FloatVector.fromArray(F, xs, i), c);
        }
        float tail = 0;
        for (; i < to; i++) {
            d[i] = Float.float16ToFloat(scales[at + i - from]);
            tail += d[i] * xs[i];
        }
        return LaneMath.sum(c) + tail;
    }

    /** The same values as {@link Q4_0Rows#dequantizeRows}, sixteen at a time ((q - 8) * d, exact). */
    static void dequantize(Q4_0Rows w, int r0, int r1, float[] out) {
        int blocks = w.in / 32;
        int sliceBlocks = 4 << w.sliceShift;
        for (int from = 0; from < blocks; from += sliceBlocks) {
            int end = Math.min(blocks, from + sliceBlocks);
            for (int r = r0; r < r1; r++) {
                // the row's piece of the column slice: super-block s at (base + s) * 16, its scales at (base + s) * 4
                int base = w.superAt(r, from >>> 2) - (from >>> 2);
                int o = (r - r0) * w.in + 32 * from;
                for (int b = from; b < end; b++, o += 32) {
                    FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.scales[(base + (b >>> 2)) * 4 + (b & 3)]));
                    IntVector v = IntVector.fromArray(I, w.packed, (base + (b >>> 2)) * 16)
                            .lanewise(VectorOperators.LSHR, (b & 3) * 8);
                    ((FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, o);
                    ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0))
                            .mul(d).intoArray(out, o + 16);
                }
            }
        }
    }
}
