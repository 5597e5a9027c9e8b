package io.quantserve.engine.gpu;

import java.util.function.Supplier;
import jcuda.driver.CUresult;

/** A CUDA driver call that did not return CUDA_SUCCESS: the call (and for launches the kernel and shape), the result. */
public final class CudaException extends RuntimeException {
    private final int result;

    public CudaException(String call, int result) {
        super(call + " failed: " + resultName(result));
        this.result = result;
    }

    public int result() {
        return result;
    }

    /** "CUDA_ERROR_OUT_OF_MEMORY (2)"; pure Java, needs no driver. */
    public static String resultName(int result) {
        String name = CUresult.stringFor(result);
        return (name.startsWith("INVALID") ? "unknown CUresult" : name) + " (" + result + ")";
    }

    public static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call, result);
        }
    }

    /** For calls whose description costs something to build (launches): built only on failure. */
    public static void check(int result, Supplier<String> call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call.get(), result);
        }
    }
}
