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
import jdk.incubator.vector.VectorSpecies;

/**
 * Prefill matmul (many tokens) as a sum of outer products: a tile of {@link #ROWS} weight rows times {@link #TOK}
 * tokens lives in twelve vector accumulators that run along the tokens, so each step over k is one broadcast weight
 * per row and two vector loads of x, feeding twelve FMAs. A row-by-row dot product instead needs a load per FMA and a
 * horizontal sum per output, which capped prefill at a quarter of the FMA peak.
 *
 * <p>That needs x transposed, xT[k][t], padded with zero tokens to a whole number of vectors; it is done once per call,
 * a cost of one pass over x against rows passes of compute. The weights are copied (F32) or widened (BF16, F16) to
 * floats a block of {@link #ROWS} rows by kb columns at a time, which stays in L1 while every token tile reuses it;
 * kb is chosen so that the xT block the tiles stream (kb x padded tokens) stays in L2. Partial sums of a row tile
 * live in a small per-thread buffer across k blocks and are written to y once, so y sees each output exactly once.
 *
 * <p>BF16 rows are widened with the same even/odd int trick as {@link PanamaMatmul}, which leaves each block of
 * 2L columns in [even | odd] order; xT is packed in that order too, so the pairs still meet. Columns past the last
 * whole block stay in natural order on both sides.
 */
final class PanamaGemm {
    private static final VectorSpecies<Float> F = PanamaKernels.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    /** Columns covered by one int vector of BF16 pairs. */
    private static final int B = 2 * L;
    /** Weight rows per tile: six rows by two token vectors is twelve accumulators, above the FMA latency x ports. */
    static final int ROWS = 6;
    /** Tokens per tile: two vectors. */
    static final int TOK = 2 * L;
    /** Bytes of the xT block that the token tiles stream for one weight block: a comfortable share of L2. */
    private static final int XT_BLOCK_BYTES = 256 << 10;
    private static final int MAX_KB = 1024;
    /**
     * Below this the padding to a whole vector of tokens costs more than the tiles gain, and the dot-product path of
     * {@link PanamaMatmul} is faster (measured on 2048x8192: 8 tokens 70 vs 75-89 GFLOP/s, 12 tokens 107 vs 86).
     */
    static final int MIN_TOKENS = 10;

    private PanamaGemm() {
    }

    static Parallel.IntRangeBody body(WeightMatrix w, float[] x, float[] y, int tokens) {
        int rows = w.rows();
        int n = w.cols();
        DType dtype = w.dtype();
        // Padded to whole vectors only: a last half tile is cheaper than a tile of mostly padding.
        int tp = (tokens + L - 1) / L * L;
        float[] xt = transpose(x, tokens, n, tp, dtype == DType.BF16);
        // A multiple of B so that BF16 blocks never straddle two k blocks.
        int kb = Math.min(Math.max(B, XT_BLOCK_BYTES / (4 * tp) & -B), MAX_KB);
        return (from, to) -> {
            float[] wb = new float[ROWS * kb];
            float[] acc = new float[ROWS * tp];
            for (int r0 = from; r0 < to; r0 += ROWS) {
                for (int k0 = 0; k0 < n; k0 += kb) {
                    int kn = Math.min(kb, n - k0);
                    for (int i = 0; i < ROWS; i++) {
                        // A partial tile repeats its last row; the extra results are never stored.
                        int r = Math.min(r0 + i, to - 1);
                        widen(w, r, k0, kn, wb, i * kb);
                    }
                    int t0 = 0;
                    for (; t0 + TOK <= tp; t0 += TOK) {
                        tile(wb, kb, kn, xt, tp, k0 * tp + t0, acc, t0, k0 == 0);
                    }
                    if (t0 < tp) {
                        halfTile(wb, kb, kn, xt, tp, k0 * tp + t0, acc, t0, k0 == 0);
                    }
                }
                for (int i = 0, live = Math.min(ROWS, to - r0); i < live; i++) {
                    for (int t = 0; t < tokens; t++) {
                        y[t * rows + r0 + i] = acc[i * tp + t];
                    }
                }
            }
        };
    }

    /** xT[k][t] = x[t][col(k)], zero for padding tokens; col is the BF16 even/odd order or the identity. */
    private static float[] transpose(float[] x, int tokens, int n, int tp, boolean evenOdd) {
        float[] xt = new float[n * tp];
        int blocked = evenOdd ? n & -B : 0;
        Parallel.forRange(n, Math.max(1, (1 << 16) / Math.max(1, tokens)), (from, to) -> {
            for (int k = from; k < to; k++) {
                int col = k;
                if (k < blocked) {
                    int p = k % B;
                    col = k - p + (p < L ? 2 * p : 2 * (p - L) + 1);
                }
                for (int t = 0, o = k * tp; t < tokens; t++) {
                    xt[o + t] = x[t * n + col];
                }
            }
        });
        return xt;
    }

    /** Row r, columns [k0, k0 + kn), as floats into wb[off..]; BF16 whole blocks come out in [even | odd] order. */
    static void widen(WeightMatrix w, int r, int k0, int kn, float[] wb, int off) {
        MemorySegment seg = w.data();
        long base = (long) r * w.cols() * w.dtype().bytes();
        switch (w.dtype()) {
            case F32 -> MemorySegment.copy(seg, F32_LE, base + 4L * k0, wb, off, kn);
            case BF16 -> {
                int k = 0;
                int blocked = Math.min(kn, (w.cols() & -B) - k0);
                for (; k + B <= blocked; k += B) {
                    IntVector p = IntVector.fromMemorySegment(I, seg, base + 2L * (k0 + k), ByteOrder.LITTLE_ENDIAN);
                    p.lanewise(LSHL, 16).reinterpretAsFloats().intoArray(wb, off + k);
                    p.and(0xffff0000).reinterpretAsFloats().intoArray(wb, off + k + L);
                }
                for (; k < kn; k++) {
                    wb[off + k] = ScalarKernels.bf16ToFloat(seg.get(I16_LE, base + 2L * (k0 + k)));
                }
            }
            default -> {
                for (int k = 0; k < kn; k++) {
                    wb[off + k] = Float.float16ToFloat(seg.get(I16_LE, base + 2L * (k0 + k)));
                }
            }
        }
    }

    /**
     * acc[i][t0 ..+TOK] (+)= sum over k < kn of wb[i][k] * xT[k][t0 ..+TOK] for the ROWS rows i; xo is the xT index
     * of (k0, t0). Starts from zero on the first k block, else from the partial sums in acc.
     */
    private static void tile(float[] wb, int kb, int kn, float[] xt, int tp, int xo, float[] acc, int t0,
                             boolean first) {
        FloatVector a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51;
        if (first) {
            a00 = FloatVector.zero(F);
            a01 = a00; a10 = a00; a11 = a00; a20 = a00; a21 = a00;
            a30 = a00; a31 = a00; a40 = a00; a41 = a00; a50 = a00; a51 = a00;
        } else {
            a00 = FloatVector.fromArray(F, acc, t0); a01 = FloatVector.fromArray(F, acc, t0 + L);
            a10 = FloatVector.fromArray(F, acc, tp + t0); a11 = FloatVector.fromArray(F, acc, tp + t0 + L);
            a20 = FloatVector.fromArray(F, acc, 2 * tp + t0); a21 = FloatVector.fromArray(F, acc, 2 * tp + t0 + L);
            a30 = FloatVector.fromArray(F, acc, 3 * tp + t0); a31 = FloatVector.fromArray(F, acc, 3 * tp + t0 + L);
            a40 = FloatVector.fromArray(F, acc, 4 * tp + t0); a41 = FloatVector.fromArray(F, acc, 4 * tp + t0 + L);
            a50 = FloatVector.fromArray(F, acc, 5 * tp + t0); a51 = FloatVector.fromArray(F, acc, 5 * tp + t0 + L);
        }
        for (int k = 0; k < kn; k++, xo += tp) {
            FloatVector x0 = FloatVector.fromArray(F, xt, xo);
            FloatVector x1 = FloatVector.fromArray(F, xt, xo + L);
            FloatVector w = FloatVector.broadcast(F, wb[k]);
            a00 = w.fma(x0, a00);
            a01 = w.fma(x1, a01);
            w = FloatVector.broadcast(F, wb[kb + k]);
            a10 = w.fma(x0, a10);
            a11 = w.fma(x1, a11);
            w = FloatVector.broadcast(F, wb[2 * kb + k]);
            a20 = w.fma(x0, a20);
            a21 = w.fma(x1, a21);
            w = FloatVector.broadcast(F, wb[3 * kb + k]);
            a30 = w.fma(x0, a30);
            a31 = w.fma(x1, a31);
            w = FloatVector.broadcast(F, wb[4 * kb + k]);
            a40 = w.fma(x0, a40);
            a41 = w.fma(x1, a41);
            w = FloatVector.broadcast(F, wb[5 * kb + k]);
            a50 = w.fma(x0, a50);
            a51 = w.fma(x1, a51);
        }
        a00.intoArray(acc, t0); a01.intoArray(acc, t0 + L);
        a10.intoArray(acc, tp + t0); a11.intoArray(acc, tp + t0 + L);
        a20.intoArray(acc, 2 * tp + t0); a21.intoArray(acc, 2 * tp + t0 + L);
        a30.intoArray(acc, 3 * tp + t0); a31.intoArray(acc, 3 * tp + t0 + L);
        a40.intoArray(acc, 4 * tp + t0); a41.intoArray(acc, 4 * tp + t0 + L);
        a50.intoArray(acc, 5 * tp + t0); a51.intoArray(acc, 5 * tp + t0 + L);
    }

    /** {@link #tile} for the last L tokens: six accumulators, so FMA latency shows, but on half the work. */
    private static void halfTile(float[] wb, int kb, int kn, float[] xt, int tp, int xo, float[] acc, int t0,
                                 boolean first) {
        FloatVector a0, a1, a2, a3, a4, a5;
        if (first) {
            a0 = FloatVector.zero(F);
            a1 = a0; a2 = a0; a3 = a0; a4 = a0; a5 = a0;
        } else {
            a0 = FloatVector.fromArray(F, acc, t0);
            a1 = FloatVector.fromArray(F, acc, tp + t0);
            a2 = FloatVector.fromArray(F, acc, 2 * tp + t0);
            a3 = FloatVector.fromArray(F, acc, 3 * tp + t0);
            a4 = FloatVector.fromArray(F, acc, 4 * tp + t0);
            a5 = FloatVector.fromArray(F, acc, 5 * tp + t0);
        }
        for (int k = 0; k < kn; k++, xo += tp) {
            FloatVector x0 = FloatVector.fromArray(F, xt, xo);
            a0 = FloatVector.broadcast(F, wb[k]).fma(x0, a0);
            a1 = FloatVector.broadcast(F, wb[kb + k]).fma(x0, a1);
            a2 = FloatVector.broadcast(F, wb[2 * kb + k]).fma(x0, a2);
            a3 = FloatVector.broadcast(F, wb[3 * kb + k]).fma(x0, a3);
            a4 = FloatVector.broadcast(F, wb[4 * kb + k]).fma(x0, a4);
            a5 = FloatVector.broadcast(F, wb[5 * kb + k]).fma(x0, a5);
        }
        a0.intoArray(acc, t0); a1.intoArray(acc, tp + t0); a2.intoArray(acc, 2 * tp + t0);
        a3.intoArray(acc, 3 * tp + t0); a4.intoArray(acc, 4 * tp + t0); a5.intoArray(acc, 5 * tp + t0);
    }
}
