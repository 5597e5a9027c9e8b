package io.quantserve.engine.gpu;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * A kernel ready to launch on the device's current stream (the default stream, or a graph being captured, see
 * {@link CudaDevice#capture}); arguments are checked against its spec first. A launch asking for more dynamic
 * shared memory than the 48 KB every kernel may have raises the kernel's limit first (once per size).
 */
public final class Kernel {
    private final CudaDevice device;
    private final KernelSpec spec;
    private final CUfunction function;
    private volatile int sharedLimit = LaunchShape.DEFAULT_SHARED_LIMIT;

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
        if (shape.sharedBytes() > sharedLimit) {
            raiseSharedLimit(shape);
        }
        CudaException.check(cuLaunchKernel(function, shape.gridX(), shape.gridY(), shape.gridZ(), shape.blockX(),
                shape.blockY(), shape.blockZ(), shape.sharedBytes(), device.launchStream(), args.toKernelParams(), null),
                () -> "launch " + describe(spec, shape, args));
        device.launched(spec.name(), describe(spec, shape, args));
    }

    private synchronized void raiseSharedLimit(LaunchShape shape) {
        int bytes = shape.sharedBytes();
        if (bytes > sharedLimit) {
            CudaException.check(cuFuncSetAttribute(function,
                    CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                    () -> "allow " + spec.name() + " " + bytes + " B of dynamic shared memory (" + shape.describe()
                            + ")");
            sharedLimit = bytes;
        }
    }

    /** "rmsnorm_f16 grid (4, 1, 1) block (256, 1, 1) shared 0 B ('out' 8192 B, ...)". */
    static String describe(KernelSpec spec, LaunchShape shape, KernelArgs args) {
        return spec.name() + " " + shape.describe() + " " + args.describe();
    }
}
