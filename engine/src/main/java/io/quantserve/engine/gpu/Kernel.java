package io.quantserve.engine.gpu;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import jcuda.driver.CUfunction;

/**
 * A kernel ready to launch on the device's current stream (the default stream, or a graph being captured, see
 * {@link CudaDevice#capture}); arguments are checked against its spec first.
 */
public final class Kernel {
    private final CudaDevice device;
    private final KernelSpec spec;
    private final CUfunction function;

    Kernel(CudaDevice device, KernelSpec spec, CUfunction function) {
        this.device = device;
        this.spec = spec;
        this.function = function;
    }

    public KernelSpec spec() {
        return spec;
    }

    public void launch(LaunchShape shape, KernelArgs args) {
        args.checkAgainst(spec);
        device.bind();
        CudaException.check(cuLaunchKernel(function, shape.gridX(), shape.gridY(), shape.gridZ(), shape.blockX(),
                shape.blockY(), shape.blockZ(), shape.sharedBytes(), device.launchStream(), args.toKernelParams(), null),
                () -> "launch " + describe(spec, shape, args));
        device.launched(describe(spec, shape, args));
    }

    /** "rmsnorm_f16 grid (4, 1, 1) block (256, 1, 1) shared 0 B ('out' 8192 B, ...)". */
    static String describe(KernelSpec spec, LaunchShape shape, KernelArgs args) {
        return spec.name() + " " + shape.describe() + " " + args.describe();
    }
}
