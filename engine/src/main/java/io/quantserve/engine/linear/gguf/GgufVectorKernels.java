package io.quantserve.engine.linear.gguf;

import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;

import io.quantserve.engine.kernel.LaneMath;
import io.quantserve.engine.format.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-vector products straight from ggml blocks with the Vector API: a slice of L quantized bytes is loaded,
 * unpacked in byte lanes (nibbles, high bits, the offset), widened to L floats and multiplied with x; each block's
 * (or sub-block's) partial sum vector is scaled once, so the per-element work is a load, a few byte ops, a widening
 * and one FMA. At 16 lanes (AVX-512), Q8_0 instead widens 16 bytes to int lanes once and converts there at
 * the same width ({@link #dotQ8_0Wide}), and has a vector dequantizer for prefill tiles. Q4_0 is repacked and has
 * its own kernel ({@link Q4_0Kernels}). Loading this class needs jdk.incubator.vector: only
 * {@link GgufLinear} touches it, after checking.
 */
final class GgufVectorKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Bytes that widen to exactly one float vector. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** Sixteen bytes, widened once to sixteen int lanes by the 512-bit kernels. */
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    /** The 512-bit kernels: one int lane per byte of a 16-byte slice. */
    private static final boolean WIDE = L == 16;

    private GgufVectorKernels() {
    }

    /** Widths these kernels are written for: each byte slice of a 16- or 32-element group is whole vectors. */
    static boolean supportsPreferredShape() {
        return L == 8 || L == 16;
    }

    static void matvec(GgmlType type, MemorySegment w, long rowBytes, int in, float[] x, int xOff,
            float[] y, int yOff, int r0, int r1) {
        float[] xSums = type == GgmlType.Q4_K || type == GgmlType.Q5_K ? sums32(x, xOff, in) : null;
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            y[yOff + r - r0] = switch (type) {
                case Q8_0 -> WIDE ? dotQ8_0Wide(w, row, in, x, xOff) : dotQ8_0(w, row, in, x, xOff);
                case Q4_K -> dotQ4K(w, row, in, x, xOff, xSums);
                case Q5_K -> dotQ5K(w, row, in, x, xOff, xSums);
                case Q6_K -> dotQ6K(w, row, in, x, xOff);
                default -> throw new IllegalArgumentException("no vector kernel for " + type);
            };
        }
    }

    /** Types with a vector dequantizer (at 16 lanes). */
    static boolean dequantizes(GgmlType type) {
        return WIDE && type == GgmlType.Q8_0;
    }

    /**
     * Rows [r0, r1) as floats, out[(r - r0) * in + k]: the same values as the scalar dequantizer (each is the
     * integer times the block scale, one rounding), sixteen at a time.
     */
    static void dequantize(GgmlType type, MemorySegment w, long rowBytes, int in, int r0, int r1, float[] out) {
        int blocks = in / 32;
        for (int r = r0; r < r1; r++) {
            long row = r * rowBytes;
            int o = (r - r0) * in;
            switch (type) {
                case Q8_0 -> {
                    for (int b = 0; b < blocks; b++, o += 32) {
                        long at = row + b * 34L;
                        FloatVector d = FloatVector.broadcast(F, f16(w, at));
                        IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B16, w, at + 2, LE)
                                .convertShape(B2I, I, 0);
                        IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B16, w, at + 18, LE)
                                .convertShape(B2I, I, 0);
                        ((FloatVector) q0.convert(I2F, 0)).mul(d).intoArray(out, o);
                        ((FloatVector) q1.convert(I2F, 0)).mul(d).intoArray(out, o + 16);
                    }
                }
                default -> throw new IllegalArgumentException("no vector dequantizer for " + type);
            }
        }
    }

    /** Sum of each 32 consecutive elements of x: the min terms of K-quants are (min * m) * sum(x of sub-block). */
    private static float[] sums32(float[] x, int xOff, int n) {
        float[] s = new float[n / 32];
        for (int b = 0; b < s.length; b++) {
            FloatVector v = FloatVector.zero(F);
            for (int c = 0; c < 32; c += L) {
                v = v.add(FloatVector.fromArray(F, x, xOff + b * 32 + c));
            }
            s[b] = LaneMath.sum(v);
        }
        return s;
    }

    private static float f16(MemorySegment w, long at) {
        return Float.float16ToFloat(w.get(I16, at));
    }

    private static float dotQ8_0(MemorySegment w, long row, int in, float[] x, int xOff) {
        // two accumulators: even and odd blocks do not wait on each other's FMA latency
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int blocks = in / 32;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long at = row + b * 34L;
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            for (int c = 0; c < 32; c += L) {
                FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(B, w, at + 2 + c, LE)
                        .convertShape(B2F, F, 0);
                FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(B, w, at + 36 + c, LE)
                        .convertShape(B2F, F, 0);
                s0 = w0.fma(FloatVector.fromArray(F, x, xOff + b * 32 + c), s0);
                s1 = w1.fma(FloatVector.fromArray(F, x, xOff + b * 32 + 32 + c), s1);
            }
            acc0 = s0.fma(FloatVector.broadcast(F, f16(w, at)), acc0);
            acc1 = s1.fma(FloatVector.broadcast(F, f16(w, at + 34)), acc1);
        }
        for (; b < blocks; b++) {
            long at = row + b * 34L;
            FloatVector s0 = FloatVector.zero(F);
            for (int c = 0; c < 32; c += L) {
                FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(B, w, at + 2 + c, LE)
                        .convertShape(B2F, F, 0);
                s0 = w0.fma(FloatVector.fromArray(F, x, xOff + b * 32 + c), s0);
            }
            acc0 = s0.fma(FloatVector.broadcast(F, f16(w, at)), acc0);
        }
        return LaneMath.sum(acc0.add(acc1));
    }

    /** Q8_0 at 16 lanes: each 16 bytes widened once to int lanes, then converted at the same width. */
    private static float dotQ8_0Wide(MemorySegment w, long row, int in, float[] x, int xOff) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int blocks = in / 32;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long at = row + b * 34L;
            int xb = xOff + b * 32;
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B16, w, at + 2, LE).convertShape(B2I, I, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B16, w, at + 18, LE).convertShape(B2I, I, 0);
            FloatVector s0 = ((FloatVector) q1.convert(I2F, 0)).fma(FloatVector.fromArray(F, x, xb + 16),
                    ((FloatVector) q0.convert(I2F, 0)).mul(FloatVector.fromArray(F, x, xb)));
            IntVector q2 = (IntVector) ByteVector.fromMemorySegment(B16, w, at + 36, LE).convertShape(B2I, I, 0);
            IntVector q3 = (IntVector) ByteVector.fromMemorySegment(B16, w, at + 52, LE).convertShape(B2I, I, 0);
            FloatVector s1 = ((FloatVector) q3.convert(I2F, 0)).fma(FloatVector.fromArray(F, x, xb + 48),
                    ((FloatVector) q2.convert(I2F, 0)).mul(FloatVector.fromArray(F, x, xb + 32)));
            acc0 = s0.fma(FloatVector.broadcast(F, f16(w, at)), acc0);
            acc1 = s1.fma(FloatVector.broadcast(F, f16(w, at + 34)), acc1);
        }
        if (b < blocks) {
            long at = row + b * 34L;
            int xb = xOff + b * 32;
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B16, w, at + 2, LE).convertShape(B2I, I, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B16, w, at + 18, LE).convertShape(B2I, I, 0);
            FloatVector s0 = ((FloatVector) q1.convert(I2F, 0)).fma(FloatVector.fromArray(F, x, xb + 16),
                    ((FloatVector) q0.convert(I2F, 0)).mul(FloatVector.fromArray(F, x, xb)));
            acc0 = s0.fma(FloatVector.broadcast(F, f16(w, at)), acc0);
        }
        return LaneMath.sum(acc0.add(acc1));
    }

    /** Unpacks the eight 6-bit scales (out[0..8)) and mins (out[8..16)) of a K-quant super-block. */
    private static void scalesK4(MemorySegment w, long at, int[] out) {
        int[] q = new int[12];
        for (int i = 0; i < 12; i++) {
            q[i] = w.get(ValueLayout.JAVA_BYTE, at + i) & 0xFF;
        }
        for (int j = 0; j < 4; j++) {
            out[j] = q[j] & 63;
            out[8 + j] = q[j + 4] & 63;
        }
        for (int j = 4; j < 8; j++) {
            out[j] = (q[j + 4] & 0xF) | ((q[j - 4] >>> 6) << 4);
            out[8 + j] = (q[j + 4] >>> 4) | ((q[j] >>> 6) << 4);
        }
    }

    private static float dotQ4K(MemorySegment w, long row, int in, float[] x, int xOff, float[] xSums) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        float mins = 0;
        int[] sm = new int[16];
        for (int b = 0, blocks = in / 256; b < blocks; b++) {
            long at = row + b * 144L;
            float d = f16(w, at);
            float dmin = f16(w, at + 2);
            scalesK4(w, at + 4, sm);
            for (int j = 0; j < 4; j++) {
                long q = at + 16 + 32L * j;
                int xb = xOff + b * 256 + 64 * j;
                FloatVector s1 = FloatVector.zero(F);
                FloatVector s2 = FloatVector.zero(F);
                for (int c = 0; c < 32; c += L) {
                    ByteVector raw = ByteVector.fromMemorySegment(B, w, q + c, LE);
                    FloatVector lo = (FloatVector) raw.and((byte) 0x0F).convertShape(B2F, F, 0);
                    FloatVector hi = (FloatVector) raw.lanewise(VectorOperators.LSHR, 4).convertShape(B2F, F, 0);
                    s1 = lo.fma(FloatVector.fromArray(F, x, xb + c), s1);
                    s2 = hi.fma(FloatVector.fromArray(F, x, xb + 32 + c), s2);
                }
                acc0 = s1.fma(FloatVector.broadcast(F, d * sm[2 * j]), acc0);
                acc1 = s2.fma(FloatVector.broadcast(F, d * sm[2 * j + 1]), acc1);
                int sb = b * 8 + 2 * j;
                mins += dmin * sm[8 + 2 * j] * xSums[sb] + dmin * sm[8 + 2 * j + 1] * xSums[sb + 1];
            }
        }
        return LaneMath.sum(acc0.add(acc1)) - mins;
    }

    private static float dotQ5K(MemorySegment w, long row, int in, float[] x, int xOff, float[] xSums) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        float mins = 0;
        int[] sm = new int[16];
        for (int b = 0, blocks = in / 256; b < blocks; b++) {
            long at = row + b * 176L;
            float d = f16(w, at);
            float dmin = f16(w, at + 2);
            scalesK4(w, at + 4, sm);
            long qh = at + 16;
            for (int j = 0; j < 4; j++) {
                long q = at + 48 + 32L * j;
                int xb = xOff + b * 256 + 64 * j;
                FloatVector s1 = FloatVector.zero(F);
                FloatVector s2 = FloatVector.zero(F);
                for (int c = 0; c < 32; c += L) {
                    ByteVector raw = ByteVector.fromMemorySegment(B, w, q + c, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B, w, qh + c, LE);
                    // bit 2j of qh is the fifth bit of the low-nibble sub-block, bit 2j + 1 of the high one
                    ByteVector lo = raw.and((byte) 0x0F)
                            .or(h.lanewise(VectorOperators.LSHR, 2 * j).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    ByteVector hi = raw.lanewise(VectorOperators.LSHR, 4)
                            .or(h.lanewise(VectorOperators.LSHR, 2 * j + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    s1 = ((FloatVector) lo.convertShape(B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + c), s1);
                    s2 = ((FloatVector) hi.convertShape(B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + 32 + c), s2);
                }
                acc0 = s1.fma(FloatVector.broadcast(F, d * sm[2 * j]), acc0);
                acc1 = s2.fma(FloatVector.broadcast(F, d * sm[2 * j + 1]), acc1);
                int sb = b * 8 + 2 * j;
                mins += dmin * sm[8 + 2 * j] * xSums[sb] + dmin * sm[8 + 2 * j + 1] * xSums[sb + 1];
            }
        }
        return LaneMath.sum(acc0.add(acc1)) - mins;
    }

    private static float dotQ6K(MemorySegment w, long row, int in, float[] x, int xOff) {
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F);
        for (int b = 0, blocks = in / 256; b < blocks; b++) {
            long at = row + b * 210L;
            float d = f16(w, at + 208);
            for (int n = 0; n < 2; n++) {
                long ql = at + 64L * n;
                long qh = at + 128 + 32L * n;
                long sc = at + 192 + 8L * n;
                int xb = xOff + b * 256 + 128 * n;
                for (int c = 0; c < 32; c += L) {
                    int is = c / 16;
                    ByteVector qa = ByteVector.fromMemorySegment(B, w, ql + c, LE);
                    ByteVector qb = ByteVector.fromMemorySegment(B, w, ql + 32 + c, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B, w, qh + c, LE);
                    ByteVector q1 = qa.and((byte) 0x0F).or(h.and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    ByteVector q2 = qb.and((byte) 0x0F)
                            .or(h.lanewise(VectorOperators.LSHR, 2).and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    ByteVector q3 = qa.lanewise(VectorOperators.LSHR, 4)
                            .or(h.lanewise(VectorOperators.LSHR, 4).and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    ByteVector q4 = qb.lanewise(VectorOperators.LSHR, 4)
                            .or(h.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    a1 = ((FloatVector) q1.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + c))
                            .fma(FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + is)), a1);
                    a2 = ((FloatVector) q2.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 32 + c))
                            .fma(FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + is + 2)), a2);
                    a3 = ((FloatVector) q3.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 64 + c))
                            .fma(FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + is + 4)), a3);
                    a4 = ((FloatVector) q4.convertShape(B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 96 + c))
                            .fma(FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + is + 6)), a4);
                }
            }
        }
        return LaneMath.sum(a1.add(a2).add(a3.add(a4)));
    }
}
