package io.quantserve.engine.gpu;

import static io.quantserve.engine.gpu.KernelSpec.Param.FLOAT;
import static io.quantserve.engine.gpu.KernelSpec.Param.INT;
import static io.quantserve.engine.gpu.KernelSpec.Param.LONG;
import static io.quantserve.engine.gpu.KernelSpec.Param.POINTER;

import java.util.ArrayList;
import java.util.List;

/**
 * The engine's kernels on one device, with their launch shapes and argument checks. Activation buffers hold
 * {@link ActivationType} values row-major; sizes are checked against the buffers before anything is launched.
 */
public final class GpuKernels {
    static final String NORM = "norm";
    static final String ELEMENTWISE = "elementwise";
    static final String AWQ = "awq_gemv";
    static final String AWQ_MMA = "awq_mma";

    static final int ELEMENTWISE_THREADS = 256;
    /** Values of a 16-bit type in one 16-byte access. */
    static final int VECTOR = 8;

    /** Every kernel of every module; GpuResourcesTest checks each against the PTX, and the PTX has no others. */
    public static List<KernelSpec> specs() {
        List<KernelSpec> all = new ArrayList<>();
        for (ActivationType t : ActivationType.values()) {
            all.addAll(List.of(rmsnormSpec(t), addRmsnormSpec(t), headRmsnormSpec(t), addSpec(t), siluMulRowsSpec(t)));
        }
        all.addAll(List.of(EMBEDDING, COPY_ROWS));
        for (AwqGemvKernel k : AwqGemvKernel.values()) {
            for (KernelSpec spec : List.of(k.spec(false), k.spec(true))) {
                if (!all.contains(spec)) {
                    all.add(spec);
                }
            }
        }
        for (boolean outputF32 : new boolean[] {false, true}) {
            for (int t : new int[] {1, 2, 4, 8}) {
                all.add(awqTokensSpec(t, outputF32));
            }
            all.add(awqMmaSpec(outputF32));
        }
        // gemm.cu, sampling.cu, bench.cu
        all.addAll(GpuMatmul.specs());
        all.addAll(GpuSampling.specs());
        all.addAll(DeviceFill.specs());
        // the model runner's kernels: attention.cu, dense.cu
        all.addAll(ModelKernels.specs());
        return List.copyOf(all);
    }

    static KernelSpec rmsnormSpec(ActivationType t) {
        return KernelSpec.of(NORM, "rmsnorm_" + t.suffix(), POINTER, POINTER, POINTER, INT, FLOAT);
    }

    static KernelSpec addRmsnormSpec(ActivationType t) {
        return KernelSpec.of(NORM, "add_rmsnorm_" + t.suffix(), POINTER, POINTER, POINTER, POINTER, INT, FLOAT);
    }

    static KernelSpec headRmsnormSpec(ActivationType t) {
        return KernelSpec.of(NORM, "head_rmsnorm_" + t.suffix(), POINTER, POINTER, POINTER, INT, INT, INT, FLOAT);
    }

    static KernelSpec addSpec(ActivationType t) {
        return KernelSpec.of(ELEMENTWISE, "add_" + t.suffix(), POINTER, POINTER, LONG);
    }

    static KernelSpec siluMulRowsSpec(ActivationType t) {
        return KernelSpec.of(ELEMENTWISE, "silu_mul_rows_" + t.suffix(), POINTER, POINTER, LONG, INT);
    }

    /** {@code awq_gemv_tokens<2|4|8>_f16}, or with {@code outputF32} {@code _f32}: the type of y. */
    static KernelSpec awqTokensSpec(int tokensPerBlock, boolean outputF32) {
        return awqRowsSpec(AWQ, "awq_gemv_tokens" + tokensPerBlock + (outputF32 ? "_f32" : "_f16"));
    }

    /** {@code awq_mma_f16}, or with {@code outputF32} {@code awq_mma_f32}: the type of y. */
    static KernelSpec awqMmaSpec(boolean outputF32) {
        return awqRowsSpec(AWQ_MMA, outputF32 ? "awq_mma_f32" : "awq_mma_f16");
    }

    /** (y, partial, counters, qweight, qzeros, scales, x, M, K, N, group size, rows per split). */
    private static KernelSpec awqRowsSpec(String module, String name) {
        return KernelSpec.of(module, name, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER, INT, INT, INT,
                INT, INT);
    }

    static final KernelSpec EMBEDDING = KernelSpec.of(ELEMENTWISE, "embedding_rows", POINTER, POINTER, POINTER, LONG);
    static final KernelSpec COPY_ROWS = KernelSpec.of(ELEMENTWISE, "copy_rows", POINTER, LONG, POINTER, LONG, LONG);
    private final CudaDevice device;
    private final AwqGemvKernel awqGemv;

    public GpuKernels(CudaDevice device) {
        this(device, AwqGemvKernel.configured());
    }

    public GpuKernels(CudaDevice device, AwqGemvKernel awqGemv) {
        this.device = device;
        this.awqGemv = awqGemv;
    }

    public CudaDevice device() {
        return device;
    }

    public AwqGemvKernel awqGemvKernel() {
        return awqGemv;
    }

    // ---- launch shapes (pure; unit-tested without a device) ----

    /** One block per row, one 16-byte vector per thread per pass: 32 .. 1024 threads. */
    static LaunchShape normShape(int rows, int n) {
        return LaunchShape.perRow(rows, warps((n + VECTOR - 1) / VECTOR, 1024));
    }

    static LaunchShape elementwiseShape(long n, int multiprocessors) {
        return LaunchShape.gridStride(n, VECTOR, ELEMENTWISE_THREADS, Math.max(1, multiprocessors * 16));
    }

    /** One block per row (embedding rows, row copies), one 16-byte piece per thread per pass, at most 256 threads. */
    static LaunchShape rowCopyShape(int tokens, long rowBytes) {
        return LaunchShape.perRow(tokens, warps((rowBytes + 15) / 16, 256));
    }

    /** threads rounded up to whole warps, at least one warp, at most {@code max}. */
    static int warps(long threads, int max) {
        long rounded = (Math.max(1, threads) + 31) / 32 * 32;
        return (int) Math.min(max, rounded);
    }

    // ---- kernels ----

    /** out[r] = rmsnorm(x[r]) * weight for rows rows of n. */
    public void rmsnorm(ActivationType t, DeviceBuffer out, DeviceBuffer x, DeviceBuffer weight, int rows, int n, float eps) {
        KernelSpec spec = rmsnormSpec(t);
        long bytes = (long) rows * n * t.bytes();
        need(spec, out, bytes);
        need(spec, x, bytes);
        need(spec, weight, (long) n * t.bytes());
        device.kernel(spec).launch(normShape(rows, n),
                new KernelArgs().buffer(out).buffer(x).buffer(weight).i32(n).f32(eps));
    }

    /** residual[r] += delta[r]; out[r] = rmsnorm(residual[r]) * weight. */
    public void addRmsnorm(ActivationType t, DeviceBuffer out, DeviceBuffer residual, DeviceBuffer delta,
            DeviceBuffer weight, int rows, int n, float eps) {
        KernelSpec spec = addRmsnormSpec(t);
        long bytes = (long) rows * n * t.bytes();
        need(spec, out, bytes);
        need(spec, residual, bytes);
        need(spec, delta, bytes);
        need(spec, weight, (long) n * t.bytes());
        device.kernel(spec).launch(normShape(rows, n),
                new KernelArgs().buffer(out).buffer(residual).buffer(delta).buffer(weight).i32(n).f32(eps));
    }

    /**
     * Qwen3's q_norm / k_norm: in the fused q/k/v rows of {@code tokens} tokens, every query head and key head
     * RMS-normalised in place over its {@code headDim} values with {@code qWeight} / {@code kWeight} [headDim].
     */
    public void headRmsnorm(ActivationType t, DeviceBuffer qkv, DeviceBuffer qWeight, DeviceBuffer kWeight, int tokens,
            int numHeads, int numKvHeads, int headDim, float eps) {
        KernelSpec spec = headRmsnormSpec(t);
        need(spec, qkv, (long) tokens * (numHeads + 2L * numKvHeads) * headDim * t.bytes());
        need(spec, qWeight, (long) headDim * t.bytes());
        need(spec, kWeight, (long) headDim * t.bytes());
        device.kernel(spec).launch(normShape(tokens * (numHeads + numKvHeads), headDim), new KernelArgs()
                .buffer(qkv).buffer(qWeight).buffer(kWeight).i32(numHeads).i32(numKvHeads).i32(headDim).f32(eps));
    }

    /** y += x over n values. */
    public void add(ActivationType t, DeviceBuffer y, DeviceBuffer x, long n) {
        KernelSpec spec = addSpec(t);
        need(spec, y, n * t.bytes());
        need(spec, x, n * t.bytes());
        device.kernel(spec).launch(elementwiseShape(n, device.multiprocessors()),
                new KernelArgs().buffer(y).buffer(x).i64(n));
    }

    /**
     * out [rows, n] = silu(gate) * up from gateUp [rows, 2n], each row its n gate values then its n up values (the
     * gate and up projections as one product).
     */
    public void siluMulRows(ActivationType t, DeviceBuffer out, DeviceBuffer gateUp, int rows, int n) {
        KernelSpec spec = siluMulRowsSpec(t);
        need(spec, out, (long) rows * n * t.bytes());
        need(spec, gateUp, 2L * rows * n * t.bytes());
        device.kernel(spec).launch(elementwiseShape((long) rows * n, device.multiprocessors()),
                new KernelArgs().buffer(out).buffer(gateUp).i64(rows).i32(n));
    }

    /**
     * Copies {@code rows} rows of {@code rowBytes} bytes from src (rows {@code srcPitch} bytes apart) to dst (rows
     * {@code dstPitch} bytes apart), as a linear layer's output into its columns of a wider one.
     */
    public void copyRows(DeviceBuffer dst, long dstPitch, DeviceBuffer src, long srcPitch, long rowBytes, int rows) {
        if (rowBytes > dstPitch || rowBytes > srcPitch) {
            throw new IllegalArgumentException(COPY_ROWS.name() + ": rows of " + rowBytes + " bytes overlap at pitches "
                    + srcPitch + " -> " + dstPitch);
        }
        if (rows == 0) {
            return;
        }
        need(COPY_ROWS, dst, (rows - 1) * dstPitch + rowBytes);
        need(COPY_ROWS, src, (rows - 1) * srcPitch + rowBytes);
        device.kernel(COPY_ROWS).launch(rowCopyShape(rows, rowBytes),
                new KernelArgs().buffer(dst).i64(dstPitch).buffer(src).i64(srcPitch).i64(rowBytes));
    }

    /** Checks host ids against the vocabulary (the embedding kernel trusts them) and copies them into {@code idsBuffer}. */
    public void uploadIds(DeviceBuffer idsBuffer, int[] ids, int vocab) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[i] + " at " + i + " is outside the vocabulary [0, "
                        + vocab + ")");
            }
        }
        need(EMBEDDING, idsBuffer, 4L * ids.length);
        if (ids.length > 0) {
            idsBuffer.upload(ids);
        }
    }

    /** out[t] = table[ids[t]] for the first {@code count} ids already in {@code idsBuffer} (a launch only). */
    public void embedding(DeviceBuffer out, DeviceBuffer table, DeviceBuffer idsBuffer, int count, int vocab, long rowBytes) {
        need(EMBEDDING, out, count * rowBytes);
        need(EMBEDDING, table, vocab * rowBytes);
        need(EMBEDDING, idsBuffer, 4L * count);
        device.kernel(EMBEDDING).launch(rowCopyShape(count, rowBytes),
                new KernelArgs().buffer(out).buffer(table).buffer(idsBuffer).i64(rowBytes));
    }

    /**
     * y = W x for one fp16 x [K]: y fp16 (activations) or fp32 (logits) [N], in one launch. {@code workspace} holds
     * the split-K partial sums: at least {@link AwqPlan#workspaceBytes} of {@link #awqPlan}.
     */
    public void awqGemv(AwqDeviceWeights w, DeviceBuffer x, DeviceBuffer y, boolean outputF32, DeviceBuffer workspace) {
        awqGemv(awqGemv, w, x, y, outputF32, workspace);
    }

    /**
     * {@link #awqGemv} on the partial-sum kernel {@code kernel}: the workspace holds the partials of
     * {@link #awqPlan(AwqGemvKernel, AwqDeviceWeights)}.
     */
    public void awqGemv(AwqGemvKernel kernel, AwqDeviceWeights w, DeviceBuffer x, DeviceBuffer y, boolean outputF32,
            DeviceBuffer workspace) {
        int k = w.inFeatures();
        int n = w.outFeatures();
        AwqPlan plan = awqPlan(kernel, w);
        KernelSpec spec = kernel.spec(outputF32);
        need(spec, x, 2L * k);
        need(spec, y, (long) n * (outputF32 ? 4 : 2));
        need(spec, workspace, plan.workspaceBytes(n));
        DeviceBuffer counters = device.counters(plan.tiles(), spec.name());
        device.kernel(spec).launch(kernel.shape(plan), new KernelArgs().buffer(y).buffer(workspace).buffer(counters)
                .buffer(w.qweight()).buffer(w.qzeros()).buffer(w.scales()).buffer(x).i32(k).i32(n).i32(w.groupSize())
                .i32(plan.rowsPerSplit()));
    }

    /**
     * y [m, N] = x [m, K] (fp16) times W for a few tokens, each weight dequantized once for all of them: y fp16 or
     * fp32 (logits). {@code workspace} holds the split-K partials: {@link AwqTokensPlan#workspaceBytes} of
     * {@link #awqTokensPlan}.
     */
    public void awqGemvTokens(AwqDeviceWeights w, DeviceBuffer x, DeviceBuffer y, int m, boolean outputF32,
            DeviceBuffer workspace) {
        AwqTokensPlan plan = awqTokensPlan(m, w);
        awqRows(awqTokensSpec(plan.tokensPerBlock(), outputF32), plan.shape(), plan.tiles() * plan.tokenGroups(),
                plan.rowsPerSplit(), plan.workspaceBytes(m, w.outFeatures()), w, x, y, m, outputF32, workspace);
    }

    /**
     * y [m, N] = x [m, K] (fp16) times W on the tensor cores (awq_mma.cu): y fp16 or fp32. Needs
     * {@link AwqMmaPlan#supports}; {@code workspace} holds {@link AwqMmaPlan#workspaceBytes} of {@link #awqMmaPlan}.
     */
    public void awqMma(AwqDeviceWeights w, DeviceBuffer x, DeviceBuffer y, int m, boolean outputF32,
            DeviceBuffer workspace) {
        AwqMmaPlan plan = awqMmaPlan(m, w);
        awqRows(awqMmaSpec(outputF32), plan.shape(), plan.tiles() * plan.tokenGroups(), plan.rowsPerSplit(),
                plan.workspaceBytes(m, w.outFeatures()), w, x, y, m, outputF32, workspace);
    }

    /**
     * One launch over m rows of x: split-K partials [split][m][N] in the workspace, added into y by the last block of
     * each output tile (column tile x token group), counted in one of the device's counters a tile.
     */
    private void awqRows(KernelSpec spec, LaunchShape shape, int outputTiles, int rowsPerSplit, long workspaceBytes,
            AwqDeviceWeights w, DeviceBuffer x, DeviceBuffer y, int m, boolean outputF32, DeviceBuffer workspace) {
        int k = w.inFeatures();
        int n = w.outFeatures();
        if ((long) m * n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(spec.name() + ": " + m + " x " + n + " outputs exceed int range");
        }
        need(spec, x, 2L * m * k);
        need(spec, workspace, workspaceBytes);
        need(spec, y, (long) m * n * (outputF32 ? 4 : 2));
        DeviceBuffer counters = device.counters(outputTiles, spec.name());
        device.kernel(spec).launch(shape, new KernelArgs().buffer(y).buffer(workspace).buffer(counters)
                .buffer(w.qweight()).buffer(w.qzeros()).buffer(w.scales()).buffer(x).i32(m).i32(k).i32(n)
                .i32(w.groupSize()).i32(rowsPerSplit));
    }

    public AwqMmaPlan awqMmaPlan(int m, AwqDeviceWeights w) {
        return AwqMmaPlan.of(m, w.inFeatures(), w.outFeatures(), w.groupSize(), device.multiprocessors());
    }

    public AwqTokensPlan awqTokensPlan(int m, AwqDeviceWeights w) {
        return AwqTokensPlan.of(m, w.inFeatures(), w.outFeatures(), device.multiprocessors());
    }

    public AwqPlan awqPlan(AwqDeviceWeights w) {
        return awqPlan(awqGemv, w);
    }

    public AwqPlan awqPlan(AwqGemvKernel kernel, AwqDeviceWeights w) {
        return AwqPlan.of(w.inFeatures(), w.outFeatures(), device.multiprocessors(), kernel.blocksPerSm());
    }

    private static void need(KernelSpec spec, DeviceBuffer buffer, long bytes) {
        if (buffer.bytes() < bytes) {
            throw new IllegalArgumentException(spec.name() + ": buffer " + buffer.describe() + " is smaller than the "
                    + bytes + " B the launch uses");
        }
    }
}
