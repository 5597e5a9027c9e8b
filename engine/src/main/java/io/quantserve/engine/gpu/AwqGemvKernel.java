package io.quantserve.engine.gpu;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which partial-sum kernel of awq_gemv.cu a one-token AWQ product runs (both write the same split-K partials that
 * the reduce adds): {@code registers}, version 3 of gpu/README.md's GEMV log, each thread's next rows loaded into
 * registers, the default; {@code ring}, each thread's next rows streamed into shared memory by cp.async; or
 * {@code ring1}, the ring kernel with one block a multiprocessor (half the threads, each twice the rows: its fixed
 * cost a thread - group fold-in, the block's reduction - spread over twice the weights). Both rings stay selectable
 * until a device run has timed them against version 3. Chosen by {@value #PROPERTY}.
 */
public enum AwqGemvKernel {
    REGISTERS("awq_gemv_partial_f16", 2),
    RING("awq_gemv_ring_f16", 2),
    RING1("awq_gemv_ring_f16", 1);

    public static final String PROPERTY = "quantserve.gpu.awq-gemv";

    private final KernelSpec spec;
    private final int blocksPerSm;

    AwqGemvKernel(String entry, int blocksPerSm) {
        this.blocksPerSm = blocksPerSm;
        this.spec = KernelSpec.of(GpuKernels.AWQ, entry, KernelSpec.Param.POINTER, KernelSpec.Param.POINTER,
                KernelSpec.Param.POINTER, KernelSpec.Param.POINTER, KernelSpec.Param.POINTER, KernelSpec.Param.INT,
                KernelSpec.Param.INT, KernelSpec.Param.INT, KernelSpec.Param.INT);
    }

    public KernelSpec spec() {
        return spec;
    }

    /** Blocks a multiprocessor the plan fills one wave with (the kernels allow two: {@code __launch_bounds__(256, 2)}). */
    public int blocksPerSm() {
        return blocksPerSm;
    }

    /** The grid and block of {@code plan}, with the ring's x slice in dynamic shared memory. */
    LaunchShape shape(AwqPlan plan) {
        LaunchShape s = plan.partialShape();
        return this != REGISTERS ? new LaunchShape(s.gridX(), s.gridY(), 1, s.blockX(), 1, 1, 2 * plan.rowsPerSplit()) : s;
    }

    /** The kernel {@value #PROPERTY} names (unset: {@link #REGISTERS}). */
    public static AwqGemvKernel configured() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            return REGISTERS;
        }
        return Arrays.stream(values()).filter(k -> k.name().equalsIgnoreCase(value.strip())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(PROPERTY + "=" + value + " names no AWQ GEMV kernel"
                        + " (one of " + Arrays.stream(values()).map(k -> k.name().toLowerCase(Locale.ROOT)).toList()
                        + ")"));
    }
}
