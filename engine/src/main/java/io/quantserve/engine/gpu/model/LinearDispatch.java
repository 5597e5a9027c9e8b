package io.quantserve.engine.gpu.model;

import io.quantserve.engine.gpu.AwqMmaPlan;
import io.quantserve.engine.gpu.AwqPlan;
import io.quantserve.engine.gpu.AwqTokensPlan;
import io.quantserve.engine.gpu.GemmPlan;
import io.quantserve.engine.gpu.GpuMatmul;

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
        /** awq_gemv.cu: one bandwidth-bound GEMV per row (split-K, the slices added by each tile's last block). */
        AWQ_GEMV,
        /** gemm.cu {@code awq_gemm_f16_bm16/32/64}: dequantize a weight tile once for every row. */
        AWQ_GEMM,
        /** awq_gemv.cu {@code awq_gemv_tokens2/4/8_f16}: the GEMV's structure for 2..32 rows, each weight dequantized once. */
        AWQ_BATCHED_GEMV,
        /** awq_mma.cu {@code awq_mma_f16/_f32}: 1..32 rows on the tensor cores, the weights as stored. */
        AWQ_MMA,
        /** gemm.cu {@code awq_dequantize_f16} into the workspace, then {@code gemm_f16}: many rows (prefill). */
        AWQ_DEQUANT_GEMM
    }

    /**
     * Which kernels run an AWQ layer's decode-sized products (1..{@value AwqTokensPlan#MAX_TOKENS} rows), by
     * {@value #AWQ_DECODE_PROPERTY}: {@code gemv-gemm} (the default: the GEMV for one row, the GEMM for more),
     * {@code batched-gemv} (2..32 rows on the batched GEMV) or {@code mma} (1..32 rows on the tensor cores where the
     * shape allows, {@link AwqMmaPlan#supports}). The last two were written without a GPU and stay off by default
     * until a device run has timed them (gpu/README.md).
     */
    enum AwqDecode {
        GEMV_GEMM, BATCHED_GEMV, MMA;

        static AwqDecode configured() {
            String value = System.getProperty(AWQ_DECODE_PROPERTY, "gemv-gemm").strip();
            for (AwqDecode d : values()) {
                if (d.name().replace('_', '-').equalsIgnoreCase(value)) {
                    return d;
                }
            }
            throw new IllegalArgumentException(AWQ_DECODE_PROPERTY + "=" + value
                    + " names no choice (gemv-gemm, batched-gemv or mma)");
        }
    }

    static final String AWQ_DECODE_PROPERTY = "quantserve.gpu.awq-decode";
    private static final AwqDecode AWQ_DECODE = AwqDecode.configured();

    /**
     * From how many rows an AWQ product dequantizes the whole layer once and runs the dense GEMM
     * ({@value #AWQ_DEQUANT_ROWS_PROPERTY}, default {@value #DEFAULT_AWQ_DEQUANT_ROWS}, as vLLM's AWQ layer; 0: never):
     * the W4A16 GEMM re-dequantizes its weight tile for every 64 rows, the dense GEMM does not.
     */
    static final String AWQ_DEQUANT_ROWS_PROPERTY = "quantserve.gpu.awq-dequant-rows";
    static final int DEFAULT_AWQ_DEQUANT_ROWS = 256;
    private static final int AWQ_DEQUANT_ROWS = dequantRowsConfigured();

    static int dequantRowsConfigured() {
        String value = System.getProperty(AWQ_DEQUANT_ROWS_PROPERTY, String.valueOf(DEFAULT_AWQ_DEQUANT_ROWS)).strip();
        try {
            int rows = Integer.parseInt(value);
            if (rows >= 0) {
                return rows;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(AWQ_DEQUANT_ROWS_PROPERTY + "=" + value
                + " is not a row count (0 or more; 0: never dequantize)");
    }

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
     * fp32-output layer (an AWQ LM head) stays on the per-row GEMV. {@value #AWQ_DECODE_PROPERTY} may move 1..32 rows
     * elsewhere ({@link AwqDecode}); from {@code dequantRows} rows on (0: never) the layer is dequantized for the dense
     * GEMM, under the GEMM's own conditions.
     */
    static Kernel awq(int m, int n, int k, int groupSize, boolean f32Out) {
        return awq(m, n, k, groupSize, f32Out, AWQ_DECODE, AWQ_DEQUANT_ROWS);
    }

    static Kernel awq(int m, int n, int k, int groupSize, boolean f32Out, AwqDecode decode, int dequantRows) {
        boolean decodeSized = m <= AwqTokensPlan.MAX_TOKENS && (long) m * n <= Integer.MAX_VALUE;
        if (decode == AwqDecode.MMA && decodeSized && AwqMmaPlan.supports(k, n, groupSize)) {
            return Kernel.AWQ_MMA;
        }
        if (decode == AwqDecode.BATCHED_GEMV && decodeSized && m >= 2) {
            return Kernel.AWQ_BATCHED_GEMV;
        }
        if (m == 1 || f32Out || k % 8 != 0 || (long) m * n > Integer.MAX_VALUE) {
            return Kernel.AWQ_GEMV;
        }
        return dequantRows > 0 && m >= dequantRows ? Kernel.AWQ_DEQUANT_GEMM : Kernel.AWQ_GEMM;
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
     * fp32 outputs) and those of whichever kernel serves each m.
     */
    static long awqWorkspaceBytes(int n, int k, int groupSize, int maxTokens, int multiprocessors) {
        return awqWorkspaceBytes(n, k, groupSize, maxTokens, multiprocessors, AWQ_DECODE, AWQ_DEQUANT_ROWS);
    }

    static long awqWorkspaceBytes(int n, int k, int groupSize, int maxTokens, int multiprocessors, AwqDecode decode,
            int dequantRows) {
        long bytes = AwqPlan.of(k, n, multiprocessors).workspaceBytes(n);
        for (int m = 1; m <= maxTokens; m++) {
            for (boolean f32Out : new boolean[] {false, true}) {
                bytes = Math.max(bytes, switch (awq(m, n, k, groupSize, f32Out, decode, dequantRows)) {
                    case AWQ_GEMM -> GemmPlan.awq(m, n, k, multiprocessors).workspaceBytes(m, n);
                    case AWQ_BATCHED_GEMV -> AwqTokensPlan.of(m, k, n, multiprocessors).workspaceBytes(m, n);
                    case AWQ_MMA -> AwqMmaPlan.of(m, k, n, groupSize, multiprocessors).workspaceBytes(m, n);
                    case AWQ_DEQUANT_GEMM -> GpuMatmul.awqDequantGemmWorkspaceBytes(m, n, k, multiprocessors);
                    default -> 0L;
                });
            }
        }
        return bytes;
    }
}
