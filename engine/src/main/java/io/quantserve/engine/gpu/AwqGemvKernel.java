package io.quantserve.engine.gpu;

/**
 * Which kernel of awq_gemv.cu a one-token AWQ product runs (all four: split-K partials, added by the last block of
 * each column tile, same grid): {@code registers}, version 3 of gpu/README.md's GEMV log, each thread's next rows
 * loaded into registers, the default; {@code prefetch}, the same with each thread's rows 16 ahead asked of L2
 * ({@code prefetch.global.L2}) so that its run's bytes are in flight early; {@code ring}, each thread's next rows
 * streamed into shared memory by cp.async; or {@code ring1}, the ring kernel with one block a multiprocessor (half the
 * threads, each twice the rows: its fixed cost a thread - group fold-in, the block's reduction - spread over twice
 * the weights). A model loaded on a device times them all per layer shape (gpu.model.AwqKernelTuner);
 * {@value #PROPERTY} names one for every shape instead (and turns that timing off).
 */
public enum AwqGemvKernel {
    REGISTERS("awq_gemv", 2),
    PREFETCH("awq_gemv_prefetch", 2),
    RING("awq_gemv_ring", 2),
    RING1("awq_gemv_ring", 1);

    public static final String PROPERTY = "quantserve.gpu.awq-gemv";

    private final KernelSpec f16Out;
    private final KernelSpec f32Out;
    private final int blocksPerSm;

    AwqGemvKernel(String entry, int blocksPerSm) {
        this.blocksPerSm = blocksPerSm;
        this.f16Out = spec(entry + "_f16");
        this.f32Out = spec(entry + "_f32");
    }

    /** (y, partials, counters, qweight, qzeros, scales, x, K, N, group size, rows a split). */
    private static KernelSpec spec(String entry) {
        KernelSpec.Param p = KernelSpec.Param.POINTER;
        KernelSpec.Param i = KernelSpec.Param.INT;
        return KernelSpec.of(GpuKernels.AWQ, entry, p, p, p, p, p, p, p, i, i, i, i);
    }

    /** The entry writing fp16 y (activations) or fp32 y (logits). */
    public KernelSpec spec(boolean outputF32) {
        return outputF32 ? f32Out : f16Out;
    }

    /** Blocks a multiprocessor the plan fills one wave with (the kernels allow two: {@code __launch_bounds__(256, 2)}). */
    public int blocksPerSm() {
        return blocksPerSm;
    }

    /** The grid and block of {@code plan}, with the ring's x slice in dynamic shared memory. */
    LaunchShape shape(AwqPlan plan) {
        LaunchShape s = plan.partialShape();
        return ring() ? new LaunchShape(s.gridX(), s.gridY(), 1, s.blockX(), 1, 1, 2 * plan.rowsPerSplit()) : s;
    }

    private boolean ring() {
        return this == RING || this == RING1;
    }

    /** The kernel {@value #PROPERTY} names (unset: {@link #REGISTERS}). */
    public static AwqGemvKernel configured() {
        return KernelChoice.fromProperty(PROPERTY, AwqGemvKernel.class, REGISTERS, "AWQ GEMV kernel");
    }
}
