package io.quantserve.engine.gpu;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuProfilerStart;
import static jcuda.driver.JCudaDriver.cuProfilerStop;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUgraph;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.CUstream_flags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CUDA device through its primary context: allocation, module loading (cubin or PTX, see {@link KernelImages})
 * and synchronization. Errors that a kernel raises surface at the next synchronization; they name the last launch.
 * With {@value #SYNC_PROPERTY}=true every launch is followed by a synchronization, so that a failing kernel is named
 * exactly (slower; the GPU tests use it).
 *
 * <p>Kernels launch on the legacy default stream, except while {@link #capture} records them into a CUDA graph on a
 * stream of its own. That stream is a blocking one, so a graph launched on it is ordered with the synchronous copies
 * and launches of the default stream before and after it, as if it ran there.
 */
public final class CudaDevice implements AutoCloseable {
    public static final String SYNC_PROPERTY = "quantserve.cuda.sync-launches";
    /** int32 counters in {@link #counters}. */
    public static final int COUNTERS = 16384;
    private static final Logger LOG = LoggerFactory.getLogger(CudaDevice.class);

    private final CUdevice device;
    private final CUcontext context;
    private final String name;
    private final int major;
    private final int minor;
    private final int multiprocessors;
    private final long totalMemory;
    private final boolean syncLaunches;
    private final Map<String, CudaModule> modules = new ConcurrentHashMap<>();
    private volatile String lastLaunch = "none";
    private CUstream graphStream;  // created by the first capture; graphs are recorded and launched on it
    private CUstream launchStream; // null (the legacy default stream), or graphStream while capturing
    private DeviceBuffer counters; // COUNTERS int32, zeroed at open
    private List<String> profiled; // the kernels launched inside profile(), else null
    private boolean closed;

    private CudaDevice(int ordinal) {
        CudaException.check(cuInit(0), "cuInit");
        device = new CUdevice();
        CudaException.check(cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        context = new CUcontext();
        CudaException.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain(" + ordinal + ")");
        CudaException.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        byte[] raw = new byte[256];
        CudaException.check(cuDeviceGetName(raw, raw.length, device), "cuDeviceGetName");
        name = CudaProbe.cString(raw);
        major = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "compute capability major");
        minor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "compute capability minor");
        multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, "multiprocessor count");
        long[] total = new long[1];
        CudaException.check(cuDeviceTotalMem(total, device), "cuDeviceTotalMem");
        totalMemory = total[0];
        syncLaunches = Boolean.getBoolean(SYNC_PROPERTY);
    }

    /** Opens device {@code ordinal} (loads JCuda's driver binding: only where a device is wanted). */
    public static CudaDevice open(int ordinal) {
        CudaDevice d = new CudaDevice(ordinal);
        d.counters = d.allocate(4L * COUNTERS, "kernel counters");
        d.counters.fill((byte) 0);
        LOG.info("CUDA device {}: {}, compute capability {}.{}, {} multiprocessors, {} MiB", ordinal, d.name, d.major,
                d.minor, d.multiprocessors, d.totalMemory >> 20);
        return d;
    }

    public String name() {
        return name;
    }

    public int major() {
        return major;
    }

    public int minor() {
        return minor;
    }

    public int multiprocessors() {
        return multiprocessors;
    }

    /** The driver's CUDA version, e.g. 13000 for 13.0 ({@code cuDriverGetVersion}). */
    public int driverVersion() {
        int[] version = new int[1];
        CudaException.check(cuDriverGetVersion(version), "cuDriverGetVersion");
        return version[0];
    }

    public long totalMemory() {
        return totalMemory;
    }

    /** Device memory now free (for this context's allocations), bytes. */
    public long freeMemory() {
        bind();
        long[] free = new long[1];
        long[] total = new long[1];
        CudaException.check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return free[0];
    }

    private int attribute(int attribute, String what) {
        int[] value = new int[1];
        CudaException.check(cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute(" + what + ")");
        return value[0];
    }

    /** Makes this device's context current on the calling thread (cheap; every entry point calls it). */
    void bind() {
        if (closed) {
            throw new IllegalStateException("CUDA device " + name + " is closed");
        }
        CudaException.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    public DeviceBuffer allocate(long bytes, String label) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("device buffer '" + label + "' of " + bytes + " B");
        }
        bind();
        CUdeviceptr p = new CUdeviceptr();
        CudaException.check(cuMemAlloc(p, bytes), () -> "cuMemAlloc(" + bytes + " B for '" + label + "')");
        return new DeviceBuffer(this, p, bytes, label, true);
    }

    /**
     * The device's {@value #COUNTERS} int32 counters (zero between launches) for a kernel whose blocks count their
     * finished work so that the last one completes it (the split-K sums of awq_gemv.cu and gemm.cu: the last block of
     * a tile adds them and sets its counter back to 0); fails, naming {@code kernel}, when it needs more than there are.
     */
    public DeviceBuffer counters(long needed, String kernel) {
        if (needed > COUNTERS) {
            throw new IllegalArgumentException(kernel + ": " + needed + " output tiles, more than the " + COUNTERS
                    + " counters");
        }
        return counters;
    }

    /** The module built from {@code src/main/cuda/<module>.cu}, loaded once. */
    public CudaModule module(String module) {
        return modules.computeIfAbsent(module, m -> {
            bind();
            KernelImages.Image image = KernelImages.choose(m, major, minor, KernelImages::onClasspath,
                    Boolean.getBoolean(KernelImages.PTX_ONLY_PROPERTY));
            CUmodule handle = new CUmodule();
            CudaException.check(cuModuleLoadData(handle, KernelImages.read(image)),
                    () -> "cuModuleLoadData(" + image.resource() + ", " + image.kind() + " for sm_" + major + minor + ")");
            LOG.debug("CUDA module {} loaded from {}", m, image.resource());
            return new CudaModule(this, m, handle, image);
        });
    }

    public Kernel kernel(KernelSpec spec) {
        return module(spec.module()).kernel(spec);
    }

    /** The stream kernels launch on now: null (the default stream), or the graph stream while capturing. */
    CUstream launchStream() {
        return launchStream;
    }

    CUstream graphStream() {
        return graphStream;
    }

    void launched(String kernel, String description) {
        lastLaunch = description;
        if (profiled != null && launchStream == null) {
            profiled.add(kernel);
        }
        if (syncLaunches && launchStream == null) { // a capture records launches; nothing runs until the graph does
            synchronize();
        }
    }

    /**
     * Records the kernel launches {@code work} makes into a CUDA graph instead of running them (nothing runs now).
     * {@code work} may only launch kernels: a copy or an allocation during the capture is refused by the driver and
     * fails the capture (CudaException), as does any failure of {@code work}, which is rethrown after the capture
     * has ended. The graph's launches keep the arguments they were recorded with: buffers by address.
     */
    public CudaGraph capture(String label, Runnable work) {
        bind();
        if (launchStream != null) {
            throw new IllegalStateException("capture of '" + label + "' inside another capture");
        }
        if (graphStream == null) {
            CUstream s = new CUstream();
            CudaException.check(cuStreamCreate(s, CUstream_flags.CU_STREAM_DEFAULT), "cuStreamCreate (graph stream)");
            graphStream = s;
        }
        CudaException.check(cuStreamBeginCapture(graphStream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                () -> "cuStreamBeginCapture(" + label + ")");
        CUgraph graph = new CUgraph();
        launchStream = graphStream;
        RuntimeException failure = null;
        try {
            work.run();
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            launchStream = null;
        }
        int ended = cuStreamEndCapture(graphStream, graph); // always: it takes the stream out of capture mode
        if (failure != null) {
            if (ended == CUresult.CUDA_SUCCESS) {
                cuGraphDestroy(graph);
            }
            throw failure;
        }
        CudaException.check(ended, () -> "cuStreamEndCapture(" + label + ") (last launch recorded: " + lastLaunch + ")");
        return CudaGraph.instantiate(this, label, graph);
    }

    /**
     * Runs {@code work} between cuProfilerStart and cuProfilerStop and waits for it before the stop, so that a
     * profiler attached with its collection off (Nsight Compute's {@code --profile-from-start off}, gpu/step-profile.sh)
     * measures those launches alone; returns the names of the kernels {@code work} launched, in order. With no
     * profiler attached the two calls do nothing.
     */
    public List<String> profile(Runnable work) {
        bind();
        if (profiled != null || launchStream != null) {
            throw new IllegalStateException("profile inside a profile or a capture");
        }
        profiled = new ArrayList<>();
        CudaException.check(cuProfilerStart(), "cuProfilerStart");
        try {
            work.run();
            synchronize();
            return List.copyOf(profiled);
        } finally {
            profiled = null;
            CudaException.check(cuProfilerStop(), "cuProfilerStop");
        }
    }

    /** Waits for all work; a failure names the last launch, the likeliest culprit. */
    public void synchronize() {
        bind();
        CudaException.check(cuCtxSynchronize(), () -> "cuCtxSynchronize (last launch: " + lastLaunch + ")");
    }

    /** Frees what the device holds, then releases the primary context; a failed free is reported, after the release. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (counters != null) {
                counters.close();
                counters = null;
            }
            if (graphStream != null) {
                bind();
                CudaException.check(cuStreamDestroy(graphStream), "cuStreamDestroy (graph stream)");
                graphStream = null;
            }
        } catch (RuntimeException e) {
            closed = true;
            cuDevicePrimaryCtxRelease(device);  // the free's error is the one to report
            throw e;
        }
        closed = true;
        CudaException.check(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
    }
}
