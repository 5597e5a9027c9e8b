package io.quantserve.engine.kernel;

import static io.quantserve.engine.kernel.ScalarKernels.F32_LE;
import static io.quantserve.engine.kernel.ScalarKernels.I16_LE;

import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector matmul straight from the weight segment, rows as the outer loop: decode streams each weight row once, and
 * a few tokens multiply a row with four tokens per pass while the row is still in L1/L2. From
 * {@link PanamaGemm#MIN_TOKENS} tokens on, the register-tiled {@link PanamaGemm} takes over.
 *
 * <p>Each dtype has its own loops, written out rather than shared through a per-element switch or a virtual loader,
 * because either would sit inside the hottest loop of the engine and C2 does not reliably hoist it.
 *
 * <p>BF16 weights are loaded as ints, two weights per lane: the low halves are the even columns and the high
 * halves the odd ones, each widened with a shift or mask. That is far cheaper than a short-to-int conversion
 * (which made BF16 decode compute-bound at half the memory bandwidth), and costs only a one-off reordering of x into
 * per-block [even | odd] halves so that the FMAs line up.
 */
final class PanamaMatmul {
    private static final VectorSpecies<Float> F = PanamaKernels.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    /** Columns covered by one int vector of 16-bit weights. */
    private static final int B = 2 * L;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private PanamaMatmul() {
    }

    static Parallel.IntRangeBody body(WeightMatrix w, float[] x, float[] y, int tokens) {
        MemorySegment seg = w.data();
        int rows = w.rows();
        int n = w.cols();
        long rowBytes = (long) n * w.dtype().bytes();
        DType dtype = w.dtype();
        if (tokens >= PanamaGemm.MIN_TOKENS) {
            return PanamaGemm.body(w, x, y, tokens);
        }
        if (dtype == DType.F16) {
            return f16(w, x, y, tokens);
        }
        float[] xs = dtype == DType.F32 ? x : evenOdd(x, tokens, n);
        return (from, to) -> {
            for (int r = from; r < to; r++) {
                long base = r * rowBytes;
                int t = 0;
                for (; t + 4 <= tokens; t += 4) {
                    int out = t * rows + r;
                    switch (dtype) {
                        case F32 -> dot4F32(seg, base, x, t * n, n, y, out, rows);
                        default -> dot4Bf16(seg, base, x, xs, t * n, n, y, out, rows);
                    }
                }
                for (; t < tokens; t++) {
                    y[t * rows + r] = switch (dtype) {
                        case F32 -> dotF32(seg, base, x, t * n, n);
                        default -> dotBf16(seg, base, x, xs, t * n, n);
                    };
                }
            }
        };
    }

    /**
     * F16 rows are widened with the scalar {@link Float#float16ToFloat} (a C2 intrinsic) into a row buffer, then
     * multiplied with the vector dot. A vector bit-trick conversion was exact but C2 would not inline it into the
     * unrolled loop on JDK 25 (boxed vectors, slower than scalar); F16 checkpoints are rarer than BF16 and F32.
     */
    private static Parallel.IntRangeBody f16(WeightMatrix w, float[] x, float[] y, int tokens) {
        MemorySegment seg = w.data();
        int rows = w.rows();
        int n = w.cols();
        return (from, to) -> {
            float[] row = new float[n];
            for (int r = from; r < to; r++) {
                long base = 2L * n * r;
                for (int k = 0; k < n; k++) {
                    row[k] = Float.float16ToFloat(seg.get(I16_LE, base + 2L * k));
                }
                for (int t = 0; t < tokens; t++) {
                    y[t * rows + r] = PanamaKernels.dotArrays(row, 0, x, t * n, n);
                }
            }
        };
    }

    /** x with each whole block of B columns reordered to [even columns | odd columns]; the tail is left as zeros. */
    private static float[] evenOdd(float[] x, int tokens, int n) {
        float[] xs = new float[tokens * n];
        int blocked = n & -B;
        for (int t = 0; t < tokens; t++) {
            for (int b = t * n, end = b + blocked; b < end; b += B) {
                for (int j = 0; j < L; j++) {
                    xs[b + j] = x[b + 2 * j];
                    xs[b + L + j] = x[b + 2 * j + 1];
                }
            }
        }
        return xs;
    }

    private static IntVector pairs(MemorySegment seg, long off) {
        return IntVector.fromMemorySegment(I, seg, off, LE);
    }

    /** BF16 is the top half of an F32: the even (low) weight moves up 16 bits, the odd one is masked in place. */
    static FloatVector bf16Even(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static FloatVector bf16Odd(IntVector v) {
        return v.and(0xffff0000).reinterpretAsFloats();
    }

    private static FloatVector x(float[] x, int i) {
        return FloatVector.fromArray(F, x, i);
    }

    private static float sum(FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3) {
        return s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    }

    // ---- one token. Eight accumulators, not four: with only four, the dependent FMA chains fill the out-of-order
    // window and too few DRAM loads are in flight (measured: 25 vs 31 GB/s F32 on one core). ----

    private static float dotF32(MemorySegment seg, long base, float[] x, int xOff, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        int k = 0;
        for (int bound = n & -(8 * L); k < bound; k += 8 * L) {
            long o = base + 4L * k;
            int i = xOff + k;
            s0 = f32(seg, o).fma(x(x, i), s0);
            s1 = f32(seg, o + 4L * L).fma(x(x, i + L), s1);
            s2 = f32(seg, o + 8L * L).fma(x(x, i + 2 * L), s2);
            s3 = f32(seg, o + 12L * L).fma(x(x, i + 3 * L), s3);
            s4 = f32(seg, o + 16L * L).fma(x(x, i + 4 * L), s4);
            s5 = f32(seg, o + 20L * L).fma(x(x, i + 5 * L), s5);
            s6 = f32(seg, o + 24L * L).fma(x(x, i + 6 * L), s6);
            s7 = f32(seg, o + 28L * L).fma(x(x, i + 7 * L), s7);
        }
        for (int bound = n & -L; k < bound; k += L) {
            s0 = f32(seg, base + 4L * k).fma(x(x, xOff + k), s0);
        }
        float sum = sum(s0, s1, s2, s3) + sum(s4, s5, s6, s7);
        for (; k < n; k++) {
            sum += seg.get(F32_LE, base + 4L * k) * x[xOff + k];
        }
        return sum;
    }

    private static FloatVector f32(MemorySegment seg, long off) {
        return FloatVector.fromMemorySegment(F, seg, off, LE);
    }

    private static float dotBf16(MemorySegment seg, long base, float[] x, float[] xs, int xOff, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        int k = 0;
        for (int bound = n & -(4 * B); k < bound; k += 4 * B) {
            long o = base + 2L * k;
            int i = xOff + k;
            IntVector p0 = pairs(seg, o), p1 = pairs(seg, o + 2L * B);
            IntVector p2 = pairs(seg, o + 4L * B), p3 = pairs(seg, o + 6L * B);
            s0 = bf16Even(p0).fma(x(xs, i), s0);
            s1 = bf16Odd(p0).fma(x(xs, i + L), s1);
            s2 = bf16Even(p1).fma(x(xs, i + B), s2);
            s3 = bf16Odd(p1).fma(x(xs, i + B + L), s3);
            s4 = bf16Even(p2).fma(x(xs, i + 2 * B), s4);
            s5 = bf16Odd(p2).fma(x(xs, i + 2 * B + L), s5);
            s6 = bf16Even(p3).fma(x(xs, i + 3 * B), s6);
            s7 = bf16Odd(p3).fma(x(xs, i + 3 * B + L), s7);
        }
        for (int bound = n & -B; k < bound; k += B) {
            IntVector p = pairs(seg, base + 2L * k);
            s0 = bf16Even(p).fma(x(xs, xOff + k), s0);
            s1 = bf16Odd(p).fma(x(xs, xOff + k + L), s1);
        }
        float sum = sum(s0, s1, s2, s3) + sum(s4, s5, s6, s7);
        for (; k < n; k++) {
            sum += ScalarKernels.bf16ToFloat(seg.get(I16_LE, base + 2L * k)) * x[xOff + k];
        }
        return sum;
    }

    // ---- four tokens: each weight load feeds four FMAs (eight for the 16-bit pairs), one accumulator per token
    // (and parity). Token j of the tile is x[xOff + j * n ..] and its result goes to y[out + j * rows]. ----

    private static void dot4F32(MemorySegment seg, long base, float[] x, int xOff, int n,
                                float[] y, int out, int rows) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int k = 0;
        for (int bound = n & -L; k < bound; k += L) {
            FloatVector wv = f32(seg, base + 4L * k);
            int i = xOff + k;
            s0 = wv.fma(x(x, i), s0);
            s1 = wv.fma(x(x, i + n), s1);
            s2 = wv.fma(x(x, i + 2 * n), s2);
            s3 = wv.fma(x(x, i + 3 * n), s3);
        }
        float[] r = {s0.reduceLanes(VectorOperators.ADD), s1.reduceLanes(VectorOperators.ADD),
                s2.reduceLanes(VectorOperators.ADD), s3.reduceLanes(VectorOperators.ADD)};
        for (; k < n; k++) {
            tail4(seg.get(F32_LE, base + 4L * k), x, xOff + k, n, r);
        }
        store4(y, out, rows, r);
    }

    private static void dot4Bf16(MemorySegment seg, long base, float[] x, float[] xs, int xOff, int n,
                                 float[] y, int out, int rows) {
        FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        int k = 0;
        for (int bound = n & -B; k < bound; k += B) {
            IntVector p = pairs(seg, base + 2L * k);
            FloatVector we = bf16Even(p);
            FloatVector wo = bf16Odd(p);
            int i = xOff + k;
            e0 = we.fma(x(xs, i), e0);
            o0 = wo.fma(x(xs, i + L), o0);
            e1 = we.fma(x(xs, i + n), e1);
            o1 = wo.fma(x(xs, i + n + L), o1);
            e2 = we.fma(x(xs, i + 2 * n), e2);
            o2 = wo.fma(x(xs, i + 2 * n + L), o2);
            e3 = we.fma(x(xs, i + 3 * n), e3);
            o3 = wo.fma(x(xs, i + 3 * n + L), o3);
        }
        float[] r = {e0.add(o0).reduceLanes(VectorOperators.ADD), e1.add(o1).reduceLanes(VectorOperators.ADD),
                e2.add(o2).reduceLanes(VectorOperators.ADD), e3.add(o3).reduceLanes(VectorOperators.ADD)};
        for (; k < n; k++) {
            tail4(ScalarKernels.bf16ToFloat(seg.get(I16_LE, base + 2L * k)), x, xOff + k, n, r);
        }
        store4(y, out, rows, r);
    }

    private static void tail4(float wk, float[] x, int i, int n, float[] r) {
        r[0] += wk * x[i];
        r[1] += wk * x[i + n];
        r[2] += wk * x[i + 2 * n];
        r[3] += wk * x[i + 3 * n];
    }

    private static void store4(float[] y, int out, int rows, float[] r) {
        y[out] = r[0];
        y[out + rows] = r[1];
        y[out + 2 * rows] = r[2];
        y[out + 3 * rows] = r[3];
    }
}
