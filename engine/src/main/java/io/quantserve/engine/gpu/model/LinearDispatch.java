package io.quantserve.engine.gpu.model;

import io.quantserve.engine.gpu.AwqGemvKernel;
import io.quantserve.engine.gpu.AwqMmaPlan;
import io.quantserve.engine.gpu.AwqPlan;
import io.quantserve.engine.gpu.AwqTokensPlan;
import io.quantserve.engine.gpu.GemmPlan;
import io.quantserve.engine.gpu.GpuMatmul;
import io.quantserve.engine.gpu.KernelChoice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which kernel runs a {@link GpuLinear} for m rows, and the split-K workspace that choice needs. Pure: the runner
 * asks it per launch, tests ask it without a device. An AWQ layer's fp16 products may instead run on what
 * {@link AwqKernelTuner} timed fastest among {@link #awqCandidates} (an {@link AwqKernelTable}). The runner passes
 * whole allocations only (activations of a {@link GpuBatchState}, uploaded weights), so the GEMMs' 16-byte alignment
 * holds by construction.
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
        /** awq_gemv.cu {@code awq_gemv_tokens1/2/4/8_f16}: the GEMV's structure for 1..32 rows, each weight dequantized once. */
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
     * shape allows, {@link AwqMmaPlan#supports}). Unset, a model loaded on a device times every candidate instead
     * ({@link AwqKernelTuner}); set, this choice holds for every shape and the untuned rule below applies.
     */
    enum AwqDecode {
        GEMV_GEMM, BATCHED_GEMV, MMA;

        static AwqDecode configured() {
            return KernelChoice.fromProperty(AWQ_DECODE_PROPERTY, AwqDecode.class, GEMV_GEMM, "AWQ decode choice");
        }
    }

    /**
     * An AWQ product's kernel and, where that is the one-token GEMV (run once a row), which of awq_gemv.cu's
     * partial-sum kernels ({@code gemv} is {@link AwqGemvKernel#REGISTERS} for the other kernels, which ignore it).
     */
    record AwqChoice(Kernel kernel, AwqGemvKernel gemv) {
        AwqChoice(Kernel kernel) {
            this(kernel, AwqGemvKernel.REGISTERS);
        }

        /** Short name for logs, bench tables and the tuning cache: the GEMV's variant, else the kernel. */
        @Override
        public String toString() {
            return (kernel == Kernel.AWQ_GEMV ? "gemv-" + gemv.name() : kernel.name().replaceFirst("^AWQ_", ""))
                    .toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The AWQ choice {@link #toString} names, if any. */
        static Optional<AwqChoice> named(String name) {
            return Arrays.stream(Kernel.values()).filter(k -> k.name().startsWith("AWQ_"))
                    .flatMap(k -> k == Kernel.AWQ_GEMV ? Arrays.stream(AwqGemvKernel.values()).map(g -> new AwqChoice(k, g))
                            : Stream.of(new AwqChoice(k)))
                    .filter(c -> c.toString().equals(name)).findFirst();
        }
    }

    static final String AWQ_DECODE_PROPERTY = "quantserve.gpu.awq-decode";
    private static final AwqDecode AWQ_DECODE = AwqDecode.configured();
    private static final AwqGemvKernel AWQ_GEMV = AwqGemvKernel.configured();

    /**
     * From how many rows an AWQ product dequantizes the whole layer once and runs the dense GEMM
     * ({@value #AWQ_DEQUANT_ROWS_PROPERTY}, default {@value #DEFAULT_AWQ_DEQUANT_ROWS}, as vLLM's AWQ layer; 0: never):
     * the W4A16 GEMM re-dequantizes its weight tile for every 64 rows, the dense GEMM does not. Unset, a model loaded
     * on a device times both per shape instead ({@link AwqKernelTuner}); set, it holds for every shape.
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

    /** {@link #awq} with the one-token GEMV's variant {@value AwqGemvKernel#PROPERTY} names: the untuned choice. */
    static AwqChoice awqConfigured(int m, int n, int k, int groupSize, boolean f32Out) {
        return new AwqChoice(awq(m, n, k, groupSize, f32Out), AWQ_GEMV);
    }

    /**
     * Every kernel that can run m rows of an AWQ layer with fp16 outputs. Decode-sized (1..{@value
     * AwqTokensPlan#MAX_TOKENS}): for one row each of the GEMV's variants, the batched GEMV's one-token variant and the
     * tensor-core product; for more, the W4A16 GEMM, the batched GEMV, the tensor-core product, and up to 4 rows the
     * GEMV once a row. Prefill-sized: the
     * W4A16 GEMM and the layer dequantized for the dense GEMM (none where K % 8 != 0 or m x N passes int range: the
     * GEMV once a row is all there is). {@link AwqKernelTuner} times them all.
     */
    static List<AwqChoice> awqCandidates(int m, int n, int k, int groupSize) {
        if (m < 1) {
            throw new IllegalArgumentException("AWQ candidates for " + m + " rows: 1 or more");
        }
        List<AwqChoice> all = new ArrayList<>();
        if (m > AwqTokensPlan.MAX_TOKENS) {
            if (k % 8 == 0 && (long) m * n <= Integer.MAX_VALUE) {
                all.add(new AwqChoice(Kernel.AWQ_GEMM));
                all.add(new AwqChoice(Kernel.AWQ_DEQUANT_GEMM));
            }
            return all;
        }
        if (m <= 4) {
            for (AwqGemvKernel gemv : AwqGemvKernel.values()) {
                all.add(new AwqChoice(Kernel.AWQ_GEMV, gemv));
            }
        }
        if (m >= 2 && k % 8 == 0) {
            all.add(new AwqChoice(Kernel.AWQ_GEMM));
        }
        all.add(new AwqChoice(Kernel.AWQ_BATCHED_GEMV)); // at one row, its one-token variant
        if (AwqMmaPlan.supports(k, n, groupSize)) {
            all.add(new AwqChoice(Kernel.AWQ_MMA));
        }
        return all;
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
     * Bytes of fp32 partials (and the dequantized layer) an untuned AWQ layer needs at any m in 1..maxTokens: the
     * GEMV's (it runs at m == 1 and for fp32 outputs) and those of whichever kernel the properties' rule picks for
     * each m.
     */
    static long awqWorkspaceBytes(int n, int k, int groupSize, int maxTokens, int multiprocessors) {
        return awqWorkspaceBytes(n, k, groupSize, maxTokens, multiprocessors, AWQ_DECODE, AWQ_DEQUANT_ROWS);
    }

    /**
     * {@link #awqWorkspaceBytes} and what every {@link #awqCandidates candidate} needs at each m in 1..maxRows: any of
     * them may run while {@link AwqKernelTuner} times them (from 33 rows on, the dequantized layer).
     */
    static long awqCandidatesWorkspaceBytes(int n, int k, int groupSize, int maxRows, int multiprocessors) {
        long bytes = awqWorkspaceBytes(n, k, groupSize, maxRows, multiprocessors);
        for (int m = 1; m <= maxRows; m++) {
            for (AwqChoice c : awqCandidates(m, n, k, groupSize)) {
                bytes = Math.max(bytes, workspaceBytes(c, m, n, k, groupSize, multiprocessors));
            }
        }
        return bytes;
    }

    static long awqWorkspaceBytes(int n, int k, int groupSize, int maxTokens, int multiprocessors, AwqDecode decode,
            int dequantRows) {
        long bytes = AwqPlan.of(k, n, multiprocessors).workspaceBytes(n);
        for (int m = 1; m <= maxTokens; m++) {
            for (boolean f32Out : new boolean[] {false, true}) {
                Kernel kernel = awq(m, n, k, groupSize, f32Out, decode, dequantRows);
                bytes = Math.max(bytes, workspaceBytes(new AwqChoice(kernel, AWQ_GEMV), m, n, k, groupSize,
                        multiprocessors));
            }
        }
        return bytes;
    }

    /** Bytes of fp32 partials (or the dequantized layer) one AWQ choice needs for m rows. */
    static long workspaceBytes(AwqChoice c, int m, int n, int k, int groupSize, int multiprocessors) {
        return switch (c.kernel()) {
            case AWQ_GEMV -> AwqPlan.of(k, n, multiprocessors, c.gemv().blocksPerSm()).workspaceBytes(n);
            case AWQ_GEMM -> GemmPlan.awq(m, n, k, multiprocessors).workspaceBytes(m, n);
            case AWQ_BATCHED_GEMV -> AwqTokensPlan.of(m, k, n, multiprocessors).workspaceBytes(m, n);
            case AWQ_MMA -> AwqMmaPlan.of(m, k, n, groupSize, multiprocessors).workspaceBytes(m, n);
            case AWQ_DEQUANT_GEMM -> GpuMatmul.awqDequantGemmWorkspaceBytes(m, n, k, multiprocessors);
            case MMA_GEMM, DENSE_SIMPLE -> throw new IllegalArgumentException(c.kernel() + " is not an AWQ kernel");
        };
    }
}
