package io.quantserve.engine.gpu;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

/** A loaded module and its kernels, looked up once each. */
public final class CudaModule {
    private final CudaDevice device;
    private final String name;
    private final CUmodule handle;
    private final KernelImages.Image image;
    private final Map<String, Kernel> kernels = new ConcurrentHashMap<>();

    CudaModule(CudaDevice device, String name, CUmodule handle, KernelImages.Image image) {
        this.device = device;
        this.name = name;
        this.handle = handle;
        this.image = image;
    }

    public String name() {
        return name;
    }

    /** The cubin or PTX it was loaded from. */
    public KernelImages.Image image() {
        return image;
    }

    public Kernel kernel(KernelSpec spec) {
        if (!spec.module().equals(name)) {
            throw new IllegalArgumentException("kernel " + spec.name() + " is in module " + spec.module() + ", not " + name);
        }
        return kernels.computeIfAbsent(spec.name(), n -> {
            device.bind();
            CUfunction f = new CUfunction();
            CudaException.check(cuModuleGetFunction(f, handle, n), () -> "cuModuleGetFunction(" + name + "." + n + ")");
            return new Kernel(device, spec, f);
        });
    }
}
