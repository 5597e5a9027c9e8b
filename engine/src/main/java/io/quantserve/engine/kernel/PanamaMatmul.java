package io.quantserve.engine.kernel;

import static io.quantserve.engine.kernel.ScalarKernels.F32_LE;
import static io.quantserve.engine.kernel.ScalarKernels.I16_LE;

import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector matmul straight from the weight segment. Each dtype has its own loops, written out rather than shared
 * through a per-element switch or a virtual loader, because either would sit inside the hottest loop of the engine
 * and C2 does not reliably hoist it. Rows are the outer loop: decode streams each weight row exactly once, and
 * prefill multiplies a row with four tokens per pass while the row is still in L1/L2.
 */
final class PanamaMatmul {
    private static final VectorSpecies<Float> F = PanamaKernels.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** 16-bit weights fill a float vector from half as many bytes, so they load through a half-width species. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private PanamaMatmul() {
    }

    static void rows(WeightMatrix w, float[] x, float[] y, int tokens, int rowFrom, int rowTo) {
        MemorySegment seg = w.data();
        int rows = w.rows();
        int n = w.cols();
        long rowBytes = (long) n * w.dtype().bytes();
        for (int r = rowFrom; r < rowTo; r++) {
            long base = r * rowBytes;
            int t = 0;
            for (; t + 4 <= tokens; t += 4) {
                int out = t * rows + r;
                switch (w.dtype()) {
                    case F32 -> dot4F32(seg, base, x, t * n, n, y, out, rows);
                    case BF16 -> dot4Bf16(seg, base, x, t * n, n, y, out, rows);
                    default -> dot4F16(seg, base, x, t * n, n, y, out, rows);
                }
            }
            for (; t < tokens; t++) {
                y[t * rows + r] = switch (w.dtype()) {
                    case F32 -> dotF32(seg, base, x, t * n, n);
                    case BF16 -> dotBf16(seg, base, x, t * n, n);
                    default -> dotF16(seg, base, x, t * n, n);
                };
            }
        }
    }

    private static FloatVector f32(MemorySegment seg, long off) {
        return FloatVector.fromMemorySegment(F, seg, off, LE);
    }

    private static IntVector widen(MemorySegment seg, long off) {
        return (IntVector) ShortVector.fromMemorySegment(S, seg, off, LE).convertShape(VectorOperators.S2I, I, 0);
    }

    static FloatVector bf16(MemorySegment seg, long off) {
        return widen(seg, off).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * JDK 25 has no vector half-to-float conversion, so this is the exact bit trick: move exponent and mantissa into
     * float position and rescale by 2^112 (the exponent bias difference), which also gets subnormals right; Inf/NaN
     * (half exponent 31) then only need the float exponent forced to all ones.
     */
    static FloatVector f16(MemorySegment seg, long off) {
        IntVector h = widen(seg, off);
        IntVector mag = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        IntVector bits = mag.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                .lanewise(VectorOperators.OR, 0x7f800000, mag.compare(VectorOperators.GE, 0x0f800000));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    private static float sum(FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3) {
        return s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    }

    // ---- one token: four accumulators over k ----

    private static float dotF32(MemorySegment seg, long base, float[] x, int xOff, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int k = 0;
        for (int bound = n & -(4 * L); k < bound; k += 4 * L) {
            long o = base + 4L * k;
            s0 = f32(seg, o).fma(FloatVector.fromArray(F, x, xOff + k), s0);
            s1 = f32(seg, o + 4L * L).fma(FloatVector.fromArray(F, x, xOff + k + L), s1);
            s2 = f32(seg, o + 8L * L).fma(FloatVector.fromArray(F, x, xOff + k + 2 * L), s2);
            s3 = f32(seg, o + 12L * L).fma(FloatVector.fromArray(F, x, xOff + k + 3 * L), s3);
        }
        for (int bound = n & -L; k < bound; k += L) {
            s0 = f32(seg, base + 4L * k).fma(FloatVector.fromArray(F, x, xOff + k), s0);
        }
        float sum = sum(s0, s1, s2, s3);
        for (; k < n; k++) {
            sum += seg.get(F32_LE, base + 4L * k) * x[xOff + k];
        }
        return sum;
    }

    private static float dotBf16(MemorySegment seg, long base, float[] x, int xOff, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int k = 0;
        for (int bound = n & -(4 * L); k < bound; k += 4 * L) {
            long o = base + 2L * k;
            s0 = bf16(seg, o).fma(FloatVector.fromArray(F, x, xOff + k), s0);
            s1 = bf16(seg, o + 2L * L).fma(FloatVector.fromArray(F, x, xOff + k + L), s1);
            s2 = bf16(seg, o + 4L * L).fma(FloatVector.fromArray(F, x, xOff + k + 2 * L), s2);
            s3 = bf16(seg, o + 6L * L).fma(FloatVector.fromArray(F, x, xOff + k + 3 * L), s3);
        }
        for (int bound = n & -L; k < bound; k += L) {
            s0 = bf16(seg, base + 2L * k).fma(FloatVector.fromArray(F, x, xOff + k), s0);
        }
        float sum = sum(s0, s1, s2, s3);
        for (; k < n; k++) {
            sum += ScalarKernels.bf16ToFloat(seg.get(I16_LE, base + 2L * k)) * x[xOff + k];
        }
        return sum;
    }

    private static float dotF16(MemorySegment seg, long base, float[] x, int xOff, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int k = 0;
        for (int bound = n & -(4 * L); k < bound; k += 4 * L) {
            long o = base + 2L * k;
            s0 = f16(seg, o).fma(FloatVector.fromArray(F, x, xOff + k), s0);
            s1 = f16(seg, o + 2L * L).fma(FloatVector.fromArray(F, x, xOff + k + L), s1);
            s2 = f16(seg, o + 4L * L).fma(FloatVector.fromArray(F, x, xOff + k + 2 * L), s2);
            s3 = f16(seg, o + 6L * L).fma(FloatVector.fromArray(F, x, xOff + k + 3 * L), s3);
        }
        for (int bound = n & -L; k < bound; k += L) {
            s0 = f16(seg, base + 2L * k).fma(FloatVector.fromArray(F, x, xOff + k), s0);
        }
        float sum = sum(s0, s1, s2, s3);
        for (; k < n; k++) {
            sum += Float.float16ToFloat(seg.get(I16_LE, base + 2L * k)) * x[xOff + k];
        }
        return sum;
    }

    // ---- four tokens: one weight load feeds four FMAs, one accumulator per token ----
    // Token j of the tile is x[xOff + j * n ..] and its result goes to y[out + j * rows].

    private static void dot4F32(MemorySegment seg, long base, float[] x, int xOff, int n,
                                float[] y, int out, int rows) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int k = 0;
        for (int bound = n & -L; k < bound; k += L) {
            FloatVector wv = f32(seg, base + 4L * k);
            s0 = wv.fma(FloatVector.fromArray(F, x, xOff + k), s0);
            s1 = wv.fma(FloatVector.fromArray(F, x, xOff + n + k), s1);
            s2 = wv.fma(FloatVector.fromArray(F, x, xOff + 2 * n + k), s2);
            s3 = wv.fma(FloatVector.fromArray(F, x, xOff + 3 * n + k), s3);
        }
        float r0 = s0.reduceLanes(VectorOperators.ADD), r1 = s1.reduceLanes(VectorOperators.ADD);
        float r2 = s2.reduceLanes(VectorOperators.ADD), r3 = s3.reduceLanes(VectorOperators.ADD);
        for (; k < n; k++) {
            float wk = seg.get(F32_LE, base + 4L * k);
            r0 += wk * x[xOff + k];
            r1 += wk * x[xOff + n + k];
            r2 += wk * x[xOff + 2 * n + k];
            r3 += wk * x[xOff + 3 * n + k];
        }
        store4(y, out, rows, r0, r1, r2, r3);
    }

    private static void dot4Bf16(MemorySegment seg, long base, float[] x, int xOff, int n,
                                 float[] y, int out, int rows) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int k = 0;
        for (int bound = n & -L; k < bound; k += L) {
            FloatVector wv = bf16(seg, base + 2L * k);
            s0 = wv.fma(FloatVector.fromArray(F, x, xOff + k), s0);
            s1 = wv.fma(FloatVector.fromArray(F, x, xOff + n + k), s1);
            s2 = wv.fma(FloatVector.fromArray(F, x, xOff + 2 * n + k), s2);
            s3 = wv.fma(FloatVector.fromArray(F, x, xOff + 3 * n + k), s3);
        }
        float r0 = s0.reduceLanes(VectorOperators.ADD), r1 = s1.reduceLanes(VectorOperators.ADD);
        float r2 = s2.reduceLanes(VectorOperators.ADD), r3 = s3.reduceLanes(VectorOperators.ADD);
        for (; k < n; k++) {
            float wk = ScalarKernels.bf16ToFloat(seg.get(I16_LE, base + 2L * k));
            r0 += wk * x[xOff + k];
            r1 += wk * x[xOff + n + k];
            r2 += wk * x[xOff + 2 * n + k];
            r3 += wk * x[xOff + 3 * n + k];
        }
        store4(y, out, rows, r0, r1, r2, r3);
    }

    private static void dot4F16(MemorySegment seg, long base, float[] x, int xOff, int n,
                                float[] y, int out, int rows) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int k = 0;
        for (int bound = n & -L; k < bound; k += L) {
            FloatVector wv = f16(seg, base + 2L * k);
            s0 = wv.fma(FloatVector.fromArray(F, x, xOff + k), s0);
            s1 = wv.fma(FloatVector.fromArray(F, x, xOff + n + k), s1);
            s2 = wv.fma(FloatVector.fromArray(F, x, xOff + 2 * n + k), s2);
            s3 = wv.fma(FloatVector.fromArray(F, x, xOff + 3 * n + k), s3);
        }
        float r0 = s0.reduceLanes(VectorOperators.ADD), r1 = s1.reduceLanes(VectorOperators.ADD);
        float r2 = s2.reduceLanes(VectorOperators.ADD), r3 = s3.reduceLanes(VectorOperators.ADD);
        for (; k < n; k++) {
            float wk = Float.float16ToFloat(seg.get(I16_LE, base + 2L * k));
            r0 += wk * x[xOff + k];
            r1 += wk * x[xOff + n + k];
            r2 += wk * x[xOff + 2 * n + k];
            r3 += wk * x[xOff + 3 * n + k];
        }
        store4(y, out, rows, r0, r1, r2, r3);
    }

    private static void store4(float[] y, int out, int rows, float r0, float r1, float r2, float r3) {
        y[out] = r0;
        y[out + rows] = r1;
        y[out + 2 * rows] = r2;
        y[out + 3 * rows] = r3;
    }
}
