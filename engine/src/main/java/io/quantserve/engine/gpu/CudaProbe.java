package io.quantserve.engine.gpu;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;

/**
 * Looks for CUDA devices without ever failing: a machine without libcuda (JCuda's driver binding cannot load), or
 * whose driver finds no device, gives a result with zero devices and the reason.
 */
public final class CudaProbe {
    private static final java.util.regex.Pattern MISSING_LIBRARY =
            java.util.regex.Pattern.compile("[\\w.+-]+\\.so[\\w.]*: cannot open shared object file[^\\n]*");
    private static volatile Result cached;

    private CudaProbe() {
    }

    /** @param detail the first device and driver, or why none is usable */
    public record Result(int deviceCount, String detail) {
        public boolean available() {
            return deviceCount > 0;
        }
    }

    /** Probes once per process (loading the native binding is not undone), then answers from memory. */
    public static Result probe() {
        Result r = cached;
        if (r == null) {
            synchronized (CudaProbe.class) {
                if (cached == null) {
                    cached = probeNow();
                }
                r = cached;
            }
        }
        return r;
    }

    private static Result probeNow() {
        try {
            int init = cuInit(0);
            if (init != CUresult.CUDA_SUCCESS) {
                return new Result(0, "cuInit failed: " + CudaException.resultName(init));
            }
            int[] count = new int[1];
            int counted = cuDeviceGetCount(count);
            if (counted != CUresult.CUDA_SUCCESS) {
                return new Result(0, "cuDeviceGetCount failed: " + CudaException.resultName(counted));
            }
            if (count[0] == 0) {
                return new Result(0, "the CUDA driver reports no device");
            }
            CUdevice device = new CUdevice();
            CudaException.check(cuDeviceGet(device, 0), "cuDeviceGet(0)");
            byte[] name = new byte[256];
            CudaException.check(cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
            int[] version = new int[1];
            CudaException.check(cuDriverGetVersion(version), "cuDriverGetVersion");
            return new Result(count[0], count[0] + " device(s), first " + cString(name) + ", driver API "
                    + version[0] / 1000 + "." + version[0] % 1000 / 10);
        } catch (LinkageError e) {
            // UnsatisfiedLinkError (no libcuda.so.1) or NoClassDefFoundError after an earlier failed load
            return new Result(0, "the CUDA driver library could not be loaded: " + loadFailure(e.getMessage()));
        } catch (RuntimeException e) {
            return new Result(0, "probing CUDA failed: " + e.getMessage());
        }
    }

    /**
     * The line of JCuda's loader message that says why (it lists every attempt with stack traces): the one naming a
     * missing shared object, else the first line.
     */
    static String loadFailure(String message) {
        if (message == null) {
            return "no reason given";
        }
        java.util.regex.Matcher missing = MISSING_LIBRARY.matcher(message);
        if (missing.find()) {
            return missing.group().trim();
        }
        String[] lines = message.split("\\R");
        return lines[0].trim();
    }

    static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.US_ASCII);
    }
}
