package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.linear.AwqConfig;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.testing.MapSource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every GPU device test shares: the device (opened once per test class, launches synchronous so an error names
 * its kernel; every test skipped with the probe's reason where there is none), buffers freed after each test, outputs
 * poisoned with NaN so unwritten elements fail, fp16/bf16 upload and download, random inputs, relative error, and
 * host tensors for the loaders. A subclass opens its own kernel set in a differently named {@code @BeforeAll}, which
 * JUnit runs after this one. With {@code -D}{@value EmulatedCuda#PROPERTY}{@code =true} the device is the host
 * emulation ({@link EmulatedCuda}).
 */
public abstract class DeviceTest {
    protected static final byte NAN_BYTES = (byte) 0xff;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    protected static CudaDevice device;
    private static String skipReason;
    protected final Random random;
    private final List<DeviceBuffer> buffers = new ArrayList<>();

    protected DeviceTest() {
        this(new Random());
    }

    protected DeviceTest(Random random) {
        this.random = random;
    }

    @BeforeAll
    static void openDevice() {
        if (EmulatedCuda.requested()) {
            String missing = EmulatedCuda.load();
            if (missing != null) {
                skipReason = "GPU tests skipped: " + missing;
                System.out.println(skipReason);
                return;
            }
        }
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.available()) {
            skipReason = "GPU tests skipped: no CUDA device (" + probe.detail() + ")";
            System.out.println(skipReason);
            return;
        }
        System.setProperty(CudaDevice.SYNC_PROPERTY, "true");
        device = CudaDevice.open(0);
        System.out.println("GPU tests on " + device.name() + " sm_" + device.major() + device.minor() + ", modules from "
                + (Boolean.getBoolean(KernelImages.PTX_ONLY_PROPERTY) ? "PTX (forced)" : "cubin where built, else PTX"));
    }

    @BeforeEach
    void requireDevice() {
        assumeTrue(device != null, skipReason);
    }

    @AfterEach
    void freeBuffers() {
        buffers.forEach(DeviceBuffer::close);
        buffers.clear();
    }

    @AfterAll
    static void closeDevice() {
        if (device != null) {
            device.close();
            device = null;
        }
    }

    /** Frees {@code b} after the test. */
    protected DeviceBuffer track(DeviceBuffer b) {
        buffers.add(b);
        return b;
    }

    /** An output buffer filled with NaN (all bits set), freed after the test. */
    protected DeviceBuffer poisoned(long bytes, String label) {
        DeviceBuffer b = track(device.allocate(bytes, label));
        b.fill(NAN_BYTES);
        return b;
    }

    /** {@code v} rounded to {@code t} on the device, freed after the test. */
    protected DeviceBuffer upload(ActivationType t, float[] v) {
        return track(deviceCopy(t, v));
    }

    /** {@code v} rounded to {@code t} on the device, for an owner that closes it (a layer, say). */
    protected static DeviceBuffer deviceCopy(ActivationType t, float[] v) {
        short[] bits = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            bits[i] = t.fromFloat(v[i]);
        }
        DeviceBuffer b = device.allocate(2L * Math.max(1, v.length), "input");
        b.upload(bits);
        return b;
    }

    protected static float[] download(ActivationType t, DeviceBuffer b, int n) {
        short[] bits = b.downloadShorts(n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = t.toFloat(bits[i]);
        }
        return v;
    }

    /** What the device sees of {@code v}: each value rounded to {@code t}. */
    protected static float[] rounded(ActivationType t, float[] v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = t.toFloat(t.fromFloat(v[i]));
        }
        return r;
    }

    protected float[] gaussian(int n) {
        return gaussian(n, 1);
    }

    protected float[] gaussian(int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }

    protected int[] randomInts(int n) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextInt();
        }
        return v;
    }

    /** ‖got − expected‖ / ‖expected‖ within {@code tolerance}, and no element left unwritten (NaN). */
    protected static void assertClose(float[] got, float[] expected, double tolerance, String what) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < got.length; i++) {
            assertThat(Float.isNaN(got[i])).as("%s: element %d is NaN (not written?)", what, i).isFalse();
            diff += (double) (got[i] - expected[i]) * (got[i] - expected[i]);
            norm += (double) expected[i] * expected[i];
        }
        double rel = Math.sqrt(diff / Math.max(norm, 1e-30));
        assertThat(rel).as("%s: ||gpu - ref|| / ||ref||", what).isLessThanOrEqualTo(tolerance);
    }

    /**
     * A K×N layer of random AutoAWQ weights (qweight [K, N/8], qzeros [K/G, N/8], fp16 scales [K/G, N]) and the CPU
     * layer the engine's AWQ loader makes of them: the reference every AWQ kernel is checked against.
     */
    protected record RandomAwq(int k, int n, int groupSize, int[] qweight, int[] qzeros, short[] scales, Linear cpu) {
        public AwqDeviceWeights upload() {
            return AwqDeviceWeights.upload(device, "l", qweight, qzeros, scales, k, n, groupSize);
        }
    }

    protected RandomAwq randomAwq(int k, int n, int groupSize) {
        int g = groupSize == -1 ? k : groupSize;
        int words = n / 8;
        int[] qweight = randomInts(k * words);
        int[] qzeros = randomInts(k / g * words);
        short[] scales = new short[k / g * n];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = Float.floatToFloat16((random.nextFloat() * 2 - 1) * 0.02f);
        }
        Linear cpu = new AwqConfig(groupSize, List.of()).load(MapSource.of(Map.of(
                "l.qweight", ints("l.qweight", qweight, k, words),
                "l.qzeros", ints("l.qzeros", qzeros, k / g, words),
                "l.scales", halves("l.scales", scales, k / g, n))), "l", k, n);
        return new RandomAwq(k, n, groupSize, qweight, qzeros, scales, cpu);
    }


    protected static Tensor ints(String name, int[] values, long rows, long cols) {
        MemorySegment s = Arena.ofAuto().allocate(4L * values.length);
        for (int i = 0; i < values.length; i++) {
            s.setAtIndex(I32, i, values[i]);
        }
        return new Tensor(name, DType.I32, new long[] {rows, cols}, s);
    }

    protected static Tensor halves(String name, short[] values, long rows, long cols) {
        MemorySegment s = Arena.ofAuto().allocate(2L * values.length);
        for (int i = 0; i < values.length; i++) {
            s.setAtIndex(I16, i, values[i]);
        }
        return new Tensor(name, DType.F16, new long[] {rows, cols}, s);
    }
}
