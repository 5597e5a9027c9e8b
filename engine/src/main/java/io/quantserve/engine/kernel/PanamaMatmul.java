package io.quantserve.engine.kernel;

import static io.quantserve.engine.kernel.ScalarKernels.F32_LE;
import static io.quantserve.engine.kernel.ScalarKernels.I16_LE;
import static jdk.incubator.vector.VectorOperators.LSHL;

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
        int grouped = tokens & -4;
        // Rows r and r + half in one pass, two DRAM streams; an odd last row pairs with itself, so that a row's sum
        // never depends on how the rows were split. Each pair is read from memory once for all the tokens: groups of
        // four tokens row by row, then the other tokens (all of them in decode) on both rows at once, while the two
        // rows are still in cache (a batch of two or three decodes, or a decode with speculative drafts, used to
        // stream every weight once per token: 1.85x a decode's time for two tokens on llama-1b f32).
        return (from, to) -> {
            int half = (to - from) / 2;
            for (int r = from; r < to - half; r++) {
                int a = r < from + half ? r : to - 1;
                int b = r < from + half ? r + half : a;
                for (int t = 0; t < grouped; t += 4) {
                    dot4(dtype, seg, a * rowBytes, x, xs, t * n, n, y, t * rows + a, rows);
                    if (b != a) {
                        dot4(dtype, seg, b * rowBytes, x, xs, t * n, n, y, t * rows + b, rows);
                    }
                }
                for (int t = grouped; t < tokens; t++) {
                    int xOff = t * n;
                    int yOff = t * rows;
                    switch (dtype) {
                        case F32 -> dot2F32(seg, a * rowBytes, b * rowBytes, x, xOff, n, y, yOff + a, yOff + b);
                        default -> dot2Bf16(seg, a * rowBytes, b * rowBytes, x, xs, xOff, n, y, yOff + a, yOff + b);
                    }
                }
            }
        };
    }

    private static void dot4(DType dtype, MemorySegment seg, long base, float[] x, float[] xs, int xOff, int n,
                             float[] y, int out, int rows) {
        switch (dtype) {
            case F32 -> dot4F32(seg, base, x, xOff, n, y, out, rows);
            default -> dot4Bf16(seg, base, x, xs, xOff, n, y, out, rows);
        }
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

    // ---- one token, two rows a and b (far apart) in one pass sharing the x loads. One row stream per core reached
    // 22-24 GB/s (F32) and 16-18 GB/s (BF16) from DRAM though neither loop is compute-bound (92 and 72 GB/s in
    // cache): each weight load came with one or two x loads, and too few DRAM misses were in flight. Two streams
    // with shared x loads: 30 GB/s F32 and 37-44 GB/s BF16 on one core. ----

    private static void dot2F32(MemorySegment seg, long baseA, long baseB, float[] x, int xOff, int n,
                                float[] y, int outA, int outB) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int k = 0;
        for (int bound = n & -(4 * L); k < bound; k += 4 * L) {
            int i = xOff + k;
            FloatVector x0 = FloatVector.fromArray(F, x, i);
            FloatVector x1 = FloatVector.fromArray(F, x, i + L);
            FloatVector x2 = FloatVector.fromArray(F, x, i + 2 * L);
            FloatVector x3 = FloatVector.fromArray(F, x, i + 3 * L);
            long oa = baseA + 4L * k;
            long ob = baseB + 4L * k;
            a0 = FloatVector.fromMemorySegment(F, seg, oa, LE).fma(x0, a0);
            a1 = FloatVector.fromMemorySegment(F, seg, oa + 4L * L, LE).fma(x1, a1);
            a2 = FloatVector.fromMemorySegment(F, seg, oa + 8L * L, LE).fma(x2, a2);
            a3 = FloatVector.fromMemorySegment(F, seg, oa + 12L * L, LE).fma(x3, a3);
            b0 = FloatVector.fromMemorySegment(F, seg, ob, LE).fma(x0, b0);
            b1 = FloatVector.fromMemorySegment(F, seg, ob + 4L * L, LE).fma(x1, b1);
            b2 = FloatVector.fromMemorySegment(F, seg, ob + 8L * L, LE).fma(x2, b2);
            b3 = FloatVector.fromMemorySegment(F, seg, ob + 12L * L, LE).fma(x3, b3);
        }
        for (int bound = n & -L; k < bound; k += L) {
            FloatVector xk = FloatVector.fromArray(F, x, xOff + k);
            a0 = FloatVector.fromMemorySegment(F, seg, baseA + 4L * k, LE).fma(xk, a0);
            b0 = FloatVector.fromMemorySegment(F, seg, baseB + 4L * k, LE).fma(xk, b0);
        }
        float sa = LaneMath.sum(a0.add(a1).add(a2.add(a3)));
        float sb = LaneMath.sum(b0.add(b1).add(b2.add(b3)));
        for (; k < n; k++) {
            sa += seg.get(F32_LE, baseA + 4L * k) * x[xOff + k];
            sb += seg.get(F32_LE, baseB + 4L * k) * x[xOff + k];
        }
        y[outA] = sa;
        y[outB] = sb;
    }

    /** The same for BF16 pairs, xs holding x in per-block [even | odd] order and x itself after the last block. */
    private static void dot2Bf16(MemorySegment seg, long baseA, long baseB, float[] x, float[] xs, int xOff, int n,
                                 float[] y, int outA, int outB) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int k = 0;
        for (int bound = n & -(2 * B); k < bound; k += 2 * B) {
            int i = xOff + k;
            IntVector p0 = IntVector.fromMemorySegment(I, seg, baseA + 2L * k, LE);
            IntVector p1 = IntVector.fromMemorySegment(I, seg, baseA + 2L * (k + B), LE);
            IntVector q0 = IntVector.fromMemorySegment(I, seg, baseB + 2L * k, LE);
            IntVector q1 = IntVector.fromMemorySegment(I, seg, baseB + 2L * (k + B), LE);
            FloatVector xe0 = FloatVector.fromArray(F, xs, i);
            FloatVector xo0 = FloatVector.fromArray(F, xs, i + L);
            FloatVector xe1 = FloatVector.fromArray(F, xs, i + B);
            FloatVector xo1 = FloatVector.fromArray(F, xs, i + B + L);
            // BF16 is the top half of an F32: the even (low) weight moves up 16 bits, the odd one is masked in place
            a0 = p0.lanewise(LSHL, 16).reinterpretAsFloats().fma(xe0, a0);
            a1 = p0.and(0xffff0000).reinterpretAsFloats().fma(xo0, a1);
            a2 = p1.lanewise(LSHL, 16).reinterpretAsFloats().fma(xe1, a2);
            a3 = p1.and(0xffff0000).reinterpretAsFloats().fma(xo1, a3);
            b0 = q0.lanewise(LSHL, 16).reinterpretAsFloats().fma(xe0, b0);
            b1 = q0.and(0xffff0000).reinterpretAsFloats().fma(xo0, b1);
            b2 = q1.lanewise(LSHL, 16).reinterpretAsFloats().fma(xe1, b2);
            b3 = q1.and(0xffff0000).reinterpretAsFloats().fma(xo1, b3);
        }
        for (int bound = n & -B; k < bound; k += B) {
            int i = xOff + k;
            IntVector p = IntVector.fromMemorySegment(I, seg, baseA + 2L * k, LE);
            IntVector q = IntVector.fromMemorySegment(I, seg, baseB + 2L * k, LE);
            a0 = p.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xs, i), a0);
            a1 = p.and(0xffff0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xs, i + L), a1);
            b0 = q.lanewise(LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xs, i), b0);
            b1 = q.and(0xffff0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xs, i + L), b1);
        }
        float sa = LaneMath.sum(a0.add(a1).add(a2.add(a3)));
        float sb = LaneMath.sum(b0.add(b1).add(b2.add(b3)));
        for (; k < n; k++) {
            sa += ScalarKernels.bf16ToFloat(seg.get(I16_LE, baseA + 2L * k)) * x[xOff + k];
            sb += ScalarKernels.bf16ToFloat(seg.get(I16_LE, baseB + 2L * k)) * x[xOff + k];
        }
        y[outA] = sa;
        y[outB] = sb;
    }

    // ---- four tokens: each weight load feeds four FMAs (eight for the 16-bit pairs), one accumulator per token
    // (and parity). Token j of the tile is x[xOff + j * n ..] and its result goes to y[out + j * rows]. ----

    private static void dot4F32(MemorySegment seg, long base, float[] x, int xOff, int n,
                                float[] y, int out, int rows) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int k = 0;
        for (int bound = n & -L; k < bound; k += L) {
            FloatVector wv = FloatVector.fromMemorySegment(F, seg, base + 4L * k, LE);
            int i = xOff + k;
            s0 = wv.fma(FloatVector.fromArray(F, x, i), s0);
            s1 = wv.fma(FloatVector.fromArray(F, x, i + n), s1);
            s2 = wv.fma(FloatVector.fromArray(F, x, i + 2 * n), s2);
            s3 = wv.fma(FloatVector.fromArray(F, x, i + 3 * n), s3);
        }
        float[] r = {LaneMath.sum(s0), LaneMath.sum(s1),
                LaneMath.sum(s2), LaneMath.sum(s3)};
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
            IntVector p = IntVector.fromMemorySegment(I, seg, base + 2L * k, LE);
            FloatVector we = p.lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector wo = p.and(0xffff0000).reinterpretAsFloats();
            int i = xOff + k;
            e0 = we.fma(FloatVector.fromArray(F, xs, i), e0);
            o0 = wo.fma(FloatVector.fromArray(F, xs, i + L), o0);
            e1 = we.fma(FloatVector.fromArray(F, xs, i + n), e1);
            o1 = wo.fma(FloatVector.fromArray(F, xs, i + n + L), o1);
            e2 = we.fma(FloatVector.fromArray(F, xs, i + 2 * n), e2);
            o2 = wo.fma(FloatVector.fromArray(F, xs, i + 2 * n + L), o2);
            e3 = we.fma(FloatVector.fromArray(F, xs, i + 3 * n), e3);
            o3 = wo.fma(FloatVector.fromArray(F, xs, i + 3 * n + L), o3);
        }
        float[] r = {LaneMath.sum(e0.add(o0)), LaneMath.sum(e1.add(o1)),
                LaneMath.sum(e2.add(o2)), LaneMath.sum(e3.add(o3))};
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
