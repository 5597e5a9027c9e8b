package io.quantserve.engine.gpu;

import static io.quantserve.engine.gpu.KernelSpec.Param.FLOAT;
import static io.quantserve.engine.gpu.KernelSpec.Param.INT;
import static io.quantserve.engine.gpu.KernelSpec.Param.LONG;
import static io.quantserve.engine.gpu.KernelSpec.Param.POINTER;

import java.util.List;

/**
 * Random inputs made on the device (bench.cu: a stateless hash of index and seed), for benchmarks whose weights are
 * too large to upload from the JVM in good time, and a GPU-side wait that lets the host queue timed launches.
 */
public final class DeviceFill {
    static final String MODULE = "bench";
    static final KernelSpec RANDOM_U32 = KernelSpec.of(MODULE, "fill_random_u32", POINTER, LONG, INT);
    static final KernelSpec UNIFORM_F16 = KernelSpec.of(MODULE, "fill_uniform_f16", POINTER, LONG, INT, FLOAT, FLOAT);
    static final KernelSpec UNIFORM_BF16 = KernelSpec.of(MODULE, "fill_uniform_bf16", POINTER, LONG, INT, FLOAT, FLOAT);
    static final KernelSpec SPIN = KernelSpec.of(MODULE, "spin_ns", LONG);
    static final int THREADS = 256;

    private final CudaDevice device;

    public DeviceFill(CudaDevice device) {
        this.device = device;
    }

    public static List<KernelSpec> specs() {
        return List.of(RANDOM_U32, UNIFORM_F16, UNIFORM_BF16, SPIN);
    }

    /** Every 32-bit word of the buffer random. */
    public void randomBits(DeviceBuffer buffer, int seed) {
        long words = buffer.bytes() / 4;
        device.kernel(RANDOM_U32).launch(shape(words), new KernelArgs().buffer(buffer).i64(words).i32(seed));
    }

    /** Every 16-bit value of the buffer uniform in [lo, hi), as t. */
    public void uniform(ActivationType t, DeviceBuffer buffer, int seed, float lo, float hi) {
        long n = buffer.bytes() / 2;
        KernelSpec spec = t == ActivationType.F16 ? UNIFORM_F16 : UNIFORM_BF16;
        device.kernel(spec).launch(shape(n), new KernelArgs().buffer(buffer).i64(n).i32(seed).f32(lo).f32(hi));
    }

    /** Keeps the GPU busy for about {@code nanos} (one thread), returning at once on the host. */
    public void spin(long nanos) {
        device.kernel(SPIN).launch(LaunchShape.of(1, 32), new KernelArgs().i64(nanos));
    }

    private LaunchShape shape(long n) {
        return LaunchShape.gridStride(n, 1, THREADS, device.multiprocessors() * 16);
    }
}
