package io.quantserve.engine.gpu;

import static io.quantserve.engine.gpu.KernelSpec.Param.INT;
import static io.quantserve.engine.gpu.KernelSpec.Param.POINTER;

import java.util.ArrayList;
import java.util.List;

/**
 * Tensor-core matrix products of gemm.cu in the engine's Linear convention, out[M, N] = a[M, K] . w[N, K]^T (a row
 * per token): dense f16/bf16 weights, and AutoAWQ W4A16 weights as stored ({@link AwqDeviceWeights}) for a few
 * tokens. Requirements, checked here with the kernel's name: K a positive multiple of 8 (16-byte rows), M x N below
 * 2^31, buffers large enough; the kernels also need a, w and out 16-byte aligned (every allocation is; a slice must
 * start at a multiple of 16 B). A plan with several K slices needs a workspace of {@link GemmPlan#workspaceBytes}
 * for its partials, which the last block of each output tile adds ({@link CudaDevice#counters} count them).
 */
public final class GpuMatmul {
    static final String MODULE = "gemm";
    static final int[] DENSE_BLOCK_M = {32, 128};
    static final int[] AWQ_BLOCK_M = {16, 32, 64};

    private final CudaDevice device;

    public GpuMatmul(CudaDevice device) {
        this.device = device;
    }

    /** Every kernel of gemm.cu (GpuKernels.specs lists them with the others). */
    public static List<KernelSpec> specs() {
        List<KernelSpec> all = new ArrayList<>();
        for (ActivationType t : ActivationType.values()) {
            for (int bm : DENSE_BLOCK_M) {
                all.add(denseSpec(t, bm, false));
                all.add(denseSpec(t, bm, true));
            }
        }
        for (int bm : AWQ_BLOCK_M) {
            all.add(awqSpec(bm));
        }
        all.add(AWQ_DEQUANTIZE);
        return List.copyOf(all);
    }

    /** {@code gemm_<t>_bm<blockM>}, or with {@code f32Out} its fp32-output twin {@code gemm_<t>_bm<blockM>_f32}. */
    static KernelSpec denseSpec(ActivationType t, int blockM, boolean f32Out) {
        return KernelSpec.of(MODULE, "gemm_" + t.suffix() + "_bm" + blockM + (f32Out ? "_f32" : ""), POINTER, POINTER,
                POINTER, POINTER, POINTER, INT, INT, INT, INT);
    }

    static KernelSpec awqSpec(int blockM) {
        return KernelSpec.of(MODULE, "awq_gemm_f16_bm" + blockM, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER,
                POINTER, INT, INT, INT, INT, INT);
    }

    static final KernelSpec AWQ_DEQUANTIZE = KernelSpec.of(MODULE, "awq_dequantize_f16", POINTER, POINTER, POINTER,
            POINTER, INT, INT, INT);
    /** awq_dequantize_f16's block: 64 rows of K by 8 packed words (64 output columns), 256 threads. */
    static final int DEQUANTIZE_ROWS = 64;
    static final int DEQUANTIZE_WORDS = 8;
    static final int DEQUANTIZE_THREADS = 256;

    public GemmPlan densePlan(int m, int n, int k) {
        return GemmPlan.dense(m, n, k, device.multiprocessors());
    }

    public GemmPlan awqPlan(int m, AwqDeviceWeights w) {
        return GemmPlan.awq(m, w.outFeatures(), w.inFeatures(), device.multiprocessors());
    }

    /**
     * out[M, N] = a[M, K] . w[N, K]^T, all of type t, fp32 accumulation. {@code workspace} may be null when
     * {@link #densePlan} has one slice.
     */
    public void gemm(ActivationType t, DeviceBuffer out, DeviceBuffer a, DeviceBuffer w, int m, int n, int k,
            DeviceBuffer workspace) {
        gemm(t, out, false, a, w, m, n, k, workspace);
    }

    /** As {@link #gemm(ActivationType, DeviceBuffer, DeviceBuffer, DeviceBuffer, int, int, int, DeviceBuffer)},
     * with out in fp32 when {@code f32Out} (logits: the accumulators are never rounded to 16 bits). */
    public void gemm(ActivationType t, DeviceBuffer out, boolean f32Out, DeviceBuffer a, DeviceBuffer w, int m, int n,
            int k, DeviceBuffer workspace) {
        GemmPlan plan = densePlan(m, n, k);
        KernelSpec spec = denseSpec(t, plan.blockM(), f32Out);
        checkGemm(spec, out, f32Out ? 4 : 2, a, w, m, n, k);
        need(spec, "w", w, 2L * n * k);
        DeviceBuffer partial = workspaceFor(spec, plan, workspace, out, m, n);
        device.kernel(spec).launch(plan.shape(), new KernelArgs().buffer(out).buffer(partial)
                .buffer(counters(spec, plan)).buffer(a).buffer(w).i32(m).i32(n).i32(k).i32(plan.kPerSplit()));
    }

    /** out[M, N] (fp16) = a[M, K] (fp16) . dequantized(w)^T; any M, meant for 2..64 tokens. */
    public void awqGemm(AwqDeviceWeights w, DeviceBuffer out, DeviceBuffer a, int m, DeviceBuffer workspace) {
        int n = w.outFeatures();
        int k = w.inFeatures();
        GemmPlan plan = awqPlan(m, w);
        KernelSpec spec = awqSpec(plan.blockM());
        checkGemm(spec, out, 2, a, null, m, n, k);
        DeviceBuffer partial = workspaceFor(spec, plan, workspace, out, m, n);
        device.kernel(spec).launch(plan.shape(), new KernelArgs().buffer(out).buffer(partial)
                .buffer(counters(spec, plan)).buffer(a).buffer(w.qweight()).buffer(w.qzeros()).buffer(w.scales()).i32(m)
                .i32(n).i32(k).i32(w.groupSize()).i32(plan.kPerSplit()));
    }

    /**
     * w [N, K] fp16 = the layer's weights, (q - z) * s rounded once (as {@link #awqGemm}'s tiles are): the dense
     * GEMM's layout. K a multiple of 8.
     */
    public void awqDequantize(AwqDeviceWeights weights, DeviceBuffer w) {
        int n = weights.outFeatures();
        int k = weights.inFeatures();
        if (k % 8 != 0) {
            throw new IllegalArgumentException(AWQ_DEQUANTIZE.name() + ": K (input features) must be a multiple of 8 "
                    + "(rows of w are written in 16-byte chunks), is " + k);
        }
        need(AWQ_DEQUANTIZE, "w", w, 2L * n * k);
        LaunchShape shape = new LaunchShape((n / 8 + DEQUANTIZE_WORDS - 1) / DEQUANTIZE_WORDS,
                (k + DEQUANTIZE_ROWS - 1) / DEQUANTIZE_ROWS, 1, DEQUANTIZE_THREADS, 1, 1, 0);
        device.kernel(AWQ_DEQUANTIZE).launch(shape, new KernelArgs().buffer(w).buffer(weights.qweight())
                .buffer(weights.qzeros()).buffer(weights.scales()).i32(k).i32(n).i32(weights.groupSize()));
    }

    /**
     * out[M, N] (fp16) = a[M, K] . dequantized(w)^T for many tokens: the whole layer dequantized into the head of
     * {@code workspace} ({@link #awqDequantize}), then the dense GEMM with the rest as its split-K workspace; the
     * workspace holds {@link #awqDequantGemmWorkspaceBytes}.
     */
    public void awqDequantGemm(AwqDeviceWeights w, DeviceBuffer out, DeviceBuffer a, int m, DeviceBuffer workspace) {
        int n = w.outFeatures();
        int k = w.inFeatures();
        long head = dequantizedBytes(n, k);
        need(AWQ_DEQUANTIZE, "workspace", workspace, awqDequantGemmWorkspaceBytes(m, n, k, device.multiprocessors()));
        DeviceBuffer dense = workspace.slice(0, 2L * n * k, "dequantized weights");
        awqDequantize(w, dense);
        gemm(ActivationType.F16, out, a, dense, m, n, k,
                workspace.slice(head, workspace.bytes() - head, workspace.label() + " after the dequantized weights"));
    }

    /** What {@link #awqDequantGemm} needs: the dequantized weights (rounded up to 256 B), then the GEMM's partials. */
    public static long awqDequantGemmWorkspaceBytes(int m, int n, int k, int multiprocessors) {
        return dequantizedBytes(n, k) + GemmPlan.dense(m, n, k, multiprocessors).workspaceBytes(m, n);
    }

    private static long dequantizedBytes(int n, int k) {
        return (2L * n * k + 255) / 256 * 256;
    }

    /** Sizes every launch of gemm.cu needs; the weights' own sizes are checked by the caller or the weights record. */
    static void checkGemm(KernelSpec spec, DeviceBuffer out, int outElementBytes, DeviceBuffer a, DeviceBuffer w, int m,
            int n, int k) {
        if (m < 1) {
            throw new IllegalArgumentException(spec.name() + ": M (tokens) must be at least 1, is " + m);
        }
        if (n < 1) {
            throw new IllegalArgumentException(spec.name() + ": N (output features) must be at least 1, is " + n);
        }
        if (k < 8 || k % 8 != 0) {
            throw new IllegalArgumentException(spec.name() + ": K (input features) must be a positive multiple of 8 "
                    + "(rows are read in 16-byte chunks), is " + k);
        }
        if ((long) m * n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(spec.name() + ": M x N = " + m + " x " + n + " is over 2^31 - 1 outputs");
        }
        need(spec, "out", out, (long) outElementBytes * m * n);
        need(spec, "a", a, 2L * m * k);
    }

    private DeviceBuffer workspaceFor(KernelSpec spec, GemmPlan plan, DeviceBuffer workspace, DeviceBuffer out, int m,
            int n) {
        if (plan.splits() == 1) {
            return out;  // never written as partials: the kernel writes out itself
        }
        if (workspace == null) {
            throw new IllegalArgumentException(spec.name() + ": M=" + m + " N=" + n + " runs in " + plan.splits()
                    + " K slices and needs a workspace of " + plan.workspaceBytes(m, n) + " B, given none");
        }
        need(spec, "workspace", workspace, plan.workspaceBytes(m, n));
        return workspace;
    }

    /** A counter per output tile, used when the plan splits K. */
    private DeviceBuffer counters(KernelSpec spec, GemmPlan plan) {
        return device.counters(plan.splits() > 1 ? (long) plan.tilesN() * plan.tilesM() : 0, spec.name());
    }

    static void need(KernelSpec spec, String role, DeviceBuffer buffer, long bytes) {
        if (buffer.bytes() < bytes) {
            throw new IllegalArgumentException(spec.name() + ": " + role + " buffer " + buffer.describe()
                    + " is smaller than the " + bytes + " B the launch uses");
        }
    }
}
