package io.quantserve.engine.gpu.model;

import io.quantserve.engine.gpu.AwqPlan;
import io.quantserve.engine.gpu.AwqTokensPlan;
import io.quantserve.engine.gpu.GemmPlan;

/**
 * Which kernel runs a {@link GpuLinear} for m rows, and the split-K workspace that choice needs. Pure: the runner
 * asks it per launch, tests ask it without a device. The runner passes whole allocations only (activations of a
 * {@link GpuBatchState}, uploaded weights), so the GEMMs' 16-byte alignment holds by construction.
 */
final class LinearDispatch {

    /** The kernels a linear layer can run on. */
    enum Kernel {
        /** gemm.cu {@code gemm_<t>_bm32/_bm128} (or {@code _f32} for fp32 out): tensor-core GEMM, split-K. */
        MMA_GEMM,
        /** dense.cu {@code dense_matmul_<t>[_f32]}: a warp per output column, any K. */
        DENSE_SIMPLE,
        /** awq_gemv.cu: one bandwidth-bound GEMV per row (split-K partials + reduce). */
        AWQ_GEMV,
        /** gemm.cu {@code awq_gemm_f16_bm16/32/64}: dequantize a weight tile once for every row. */
        AWQ_GEMM,
        /** awq_gemv.cu {@code awq_gemv_tokens2/4/8_f16}: the GEMV's structure for 2..32 rows, each weight dequantized once. */
        AWQ_BATCHED_GEMV
    }

    /**
     * {@code true}: 2..{@value AwqTokensPlan#MAX_TOKENS} rows of an AWQ layer (a decode step of a small batch) run on
     * the batched GEMV instead of the GEMM. Off by default until a device run has timed it (gpu/README.md).
     */
    static final String BATCHED_GEMV_PROPERTY = "quantserve.gpu.awq-batched-gemv";
    private static final boolean BATCHED_GEMV = Boolean.getBoolean(BATCHED_GEMV_PROPERTY);

    private LinearDispatch() {
    }

    /**
     * A float weight [n, k]: the mma GEMM where its requirements hold (K a multiple of 8: 16-byte rows; M x N within
     * int range), else the simple dense kernel. Both have fp32-output variants, so {@code f32Out} does not matter.
     */
    static Kernel dense(int m, int n, int k) {
        return k % 8 == 0 && (long) m * n <= Integer.MAX_VALUE ? Kernel.MMA_GEMM : Kernel.DENSE_SIMPLE;
    }

    /**
     * An AWQ weight: one row is bandwidth-bound (read every weight once: the GEMV); several rows share the dequantized
     * tile (the GEMM), which needs K % 8 == 0 (N % 8 == 0 holds for every AWQ layer) and writes fp16 only, so an
     * fp32-output layer (an AWQ LM head) stays on the per-row GEMV.
     */
    static Kernel awq(int m, int n, int k, boolean f32Out) {
        return awq(m, n, k, f32Out, BATCHED_GEMV);
    }

    /** As {@link #awq(int, int, int, boolean)}, the batched GEMV taking 2..32 rows (fp16 or fp32 out) when asked for. */
    static Kernel awq(int m, int n, int k, boolean f32Out, boolean batchedGemv) {
        if (batchedGemv && m >= 2 && m <= AwqTokensPlan.MAX_TOKENS && (long) m * n <= Integer.MAX_VALUE) {
            return Kernel.AWQ_BATCHED_GEMV;
        }
        return m == 1 || f32Out || k % 8 != 0 || (long) m * n > Integer.MAX_VALUE ? Kernel.AWQ_GEMV : Kernel.AWQ_GEMM;
    }

    /** Bytes of fp32 partials a float layer needs at any m in 1..maxTokens. */
    static long denseWorkspaceBytes(int n, int k, int maxTokens, int multiprocessors) {
        long bytes = 0;
        for (int m = 1; m <= maxTokens; m++) {
            if (dense(m, n, k) == Kernel.MMA_GEMM) {
                bytes = Math.max(bytes, GemmPlan.dense(m, n, k, multiprocessors).workspaceBytes(m, n));
            }
        }
        return bytes;
    }

    /**
     * Bytes of fp32 partials an AWQ layer needs at any m in 1..maxTokens: the GEMV's (it runs at m == 1 and for
     * fp32 outputs) and the GEMM's for every m it serves.
     */
    static long awqWorkspaceBytes(int n, int k, int maxTokens, int multiprocessors) {
        return awqWorkspaceBytes(n, k, maxTokens, multiprocessors, BATCHED_GEMV);
    }

    /** As {@link #awqWorkspaceBytes(int, int, int, int)}, with or without the batched GEMV, for either output type. */
    static long awqWorkspaceBytes(int n, int k, int maxTokens, int multiprocessors, boolean batchedGemv) {
        long bytes = AwqPlan.of(k, n, multiprocessors).workspaceBytes(n);
        for (int m = 2; m <= maxTokens; m++) {
            for (boolean f32Out : new boolean[] {false, true}) {
                Kernel kernel = awq(m, n, k, f32Out, batchedGemv);
                if (kernel == Kernel.AWQ_GEMM) {
                    bytes = Math.max(bytes, GemmPlan.awq(m, n, k, multiprocessors).workspaceBytes(m, n));
                } else if (kernel == Kernel.AWQ_BATCHED_GEMV) {
                    bytes = Math.max(bytes, AwqTokensPlan.of(m, k, n, multiprocessors).workspaceBytes(m, n));
                }
            }
        }
        return bytes;
    }
}
