package io.quantserve.engine.gpu;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/** A pair of CUDA events on the default stream: GPU time between {@link #start} and {@link #stop}. */
public final class GpuTimer implements AutoCloseable {
    private final CudaDevice device;
    private final CUevent start = new CUevent();
    private final CUevent stop = new CUevent();

    public GpuTimer(CudaDevice device) {
        this.device = device;
        device.bind();
        CudaException.check(cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        CudaException.check(cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
    }

    public void start() {
        device.bind();
        CudaException.check(cuEventRecord(start, null), "cuEventRecord(start)");
    }

    public void stop() {
        device.bind();
        CudaException.check(cuEventRecord(stop, null), "cuEventRecord(stop)");
    }

    /** Waits for the stop event; milliseconds between the two. */
    public float elapsedMillis() {
        device.bind();
        CudaException.check(cuEventSynchronize(stop), "cuEventSynchronize");
        float[] ms = new float[1];
        CudaException.check(cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
        return ms[0];
    }

    /** Device-to-device copy of the first {@code bytes} of src into dst (queued on the default stream). */
    public static void copy(DeviceBuffer dst, DeviceBuffer src, long bytes) {
        DeviceBuffer.checkRange("copy from '" + src.label() + "' into", 0, bytes, dst);
        DeviceBuffer.checkRange("copy into '" + dst.label() + "' from", 0, bytes, src);
        CudaException.check(cuMemcpyDtoD(dst.pointer(), src.pointer(), bytes),
                () -> "cuMemcpyDtoD(" + src.describe() + " -> " + dst.describe() + ")");
    }

    @Override
    public void close() {
        cuEventDestroy(start);
        cuEventDestroy(stop);
    }
}
