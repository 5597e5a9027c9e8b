package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.linear.AwqConfig;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tensor-core GEMMs against references on fresh random inputs at awkward sizes (M = 1, 3, 17, 64 and beyond one
 * tile; N and K not multiples of the tiles; one and several K slices). Inputs are rounded to the device type first,
 * the reference is double precision; outputs and the split-K workspace are poisoned with NaN first. Bounds on
 * ||gpu - ref|| / ||ref||: f16 output 2e-3, bf16 output 1e-2 (the output's own rounding is 2^-11 resp. 2^-8
 * relative at most; fp32 accumulation adds far less). AWQ: against the CPU loader's dequantized weights, f16 output,
 * 2e-3 (the device rounds each dequantized weight to fp16 once, 2^-11 relative). Skipped without a CUDA device.
 */
class GpuMatmulDeviceTest {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final byte NAN_BYTES = (byte) 0xff;

    private static CudaDevice device;
    private static String skipReason;
    private static GpuMatmul gpu;
    private final Random random = new Random();
    private final List<DeviceBuffer> buffers = new ArrayList<>();

    @BeforeAll
    static void openDevice() {
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.available()) {
            skipReason = "GPU tests skipped: no CUDA device (" + probe.detail() + ")";
            return;
        }
        System.setProperty(CudaDevice.SYNC_PROPERTY, "true");
        device = CudaDevice.open(0);
        gpu = new GpuMatmul(device);
    }

    @BeforeEach
    void requireDevice() {
        assumeTrue(device != null, skipReason);
    }

    @AfterEach
    void free() {
        buffers.forEach(DeviceBuffer::close);
        buffers.clear();
    }

    @AfterAll
    static void closeDevice() {
        if (device != null) {
            device.close();
        }
    }

    @ParameterizedTest(name = "M={0} N={1} K={2}")
    @CsvSource({"1, 40, 24", "3, 200, 1000", "17, 264, 136", "64, 1000, 4104", "130, 129, 520", "1, 4096, 4096",
        "33, 300, 96", "257, 136, 8"})
    void shouldMultiplyF16AndBf16AsADoubleReference(int m, int n, int k) {
        for (ActivationType t : ActivationType.values()) {
            float[] a = rounded(t, gaussian(m * k, 1));
            float[] w = rounded(t, gaussian(n * k, 1 / Math.sqrt(k)));
            float[] expected = new float[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int x = 0; x < k; x++) {
                        s += (double) a[i * k + x] * w[j * k + x];
                    }
                    expected[i * n + j] = (float) s;
                }
            }
            GemmPlan plan = gpu.densePlan(m, n, k);
            DeviceBuffer out = poisoned(2L * m * n, "out");
            DeviceBuffer ws = plan.splits() > 1 ? poisoned(plan.workspaceBytes(m, n), "workspace") : null;
            gpu.gemm(t, out, upload(t, a), upload(t, w), m, n, k, ws);
            assertClose(download(t, out, m * n), expected, t == ActivationType.F16 ? 2e-3 : 1e-2,
                    "gemm_" + t.suffix() + " " + plan);
        }
    }

    @ParameterizedTest(name = "M={0} K={1} N={2} group={3}")
    @CsvSource({"1, 96, 40, 32", "3, 320, 264, 64", "17, 200, 24, -1", "64, 4096, 4096, 128", "8, 11008, 4096, 128",
        "33, 4096, 12296, 128", "2, 4096, 11008, 128", "5, 136, 8, -1", "100, 256, 264, 32"})
    void shouldMultiplyAwqWeightsAsTheCpuLoaderReadsThem(int m, int k, int n, int groupSize) {
        int g = groupSize == -1 ? k : groupSize;
        int words = n / 8;
        int[] qweight = randomInts(k * words);
        int[] qzeros = randomInts(k / g * words);
        short[] scales = new short[k / g * n];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = Float.floatToFloat16((random.nextFloat() * 2 - 1) * 0.02f);
        }
        float[] x = rounded(ActivationType.F16, gaussian(m * k, 1));
        Linear cpu = new AwqConfig(groupSize, List.of()).load(source(Map.of(
                "l.qweight", ints("l.qweight", qweight, k, words),
                "l.qzeros", ints("l.qzeros", qzeros, k / g, words),
                "l.scales", halves("l.scales", scales, k / g, n))), "l", k, n);
        float[] expected = new float[m * n];
        cpu.apply(x, expected, m);

        try (AwqDeviceWeights w = AwqDeviceWeights.upload(device, "l", qweight, qzeros, scales, k, n, groupSize)) {
            GemmPlan plan = gpu.awqPlan(m, w);
            DeviceBuffer out = poisoned(2L * m * n, "out");
            DeviceBuffer ws = plan.splits() > 1 ? poisoned(plan.workspaceBytes(m, n), "workspace") : null;
            gpu.awqGemm(w, out, upload(ActivationType.F16, x), m, ws);
            assertClose(download(ActivationType.F16, out, m * n), expected, 2e-3, "awq_gemm " + plan);
        }
    }

    // ---- helpers ----

    static void assertClose(float[] got, float[] expected, double tolerance, String what) {
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

    private float[] gaussian(int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }

    private int[] randomInts(int n) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextInt();
        }
        return v;
    }

    static float[] rounded(ActivationType t, float[] v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = t.toFloat(t.fromFloat(v[i]));
        }
        return r;
    }

    private DeviceBuffer track(DeviceBuffer b) {
        buffers.add(b);
        return b;
    }

    private DeviceBuffer poisoned(long bytes, String label) {
        DeviceBuffer b = track(device.allocate(bytes, label));
        b.fill(NAN_BYTES);
        return b;
    }

    private DeviceBuffer upload(ActivationType t, float[] v) {
        short[] bits = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            bits[i] = t.fromFloat(v[i]);
        }
        DeviceBuffer b = track(device.allocate(2L * Math.max(1, v.length), "input"));
        b.upload(bits);
        return b;
    }

    private static float[] download(ActivationType t, DeviceBuffer b, int n) {
        short[] bits = b.downloadShorts(n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = t.toFloat(bits[i]);
        }
        return v;
    }

    private static TensorSource source(Map<String, Tensor> tensors) {
        return new TensorSource() {
            @Override
            public Optional<Tensor> find(String name) {
                return Optional.ofNullable(tensors.get(name));
            }

            @Override
            public Tensor tensor(String name) {
                return find(name).orElseThrow(() -> new IllegalArgumentException("no tensor " + name));
            }
        };
    }

    private static Tensor ints(String name, int[] values, long rows, long cols) {
        MemorySegment s = Arena.ofAuto().allocate(4L * values.length);
        for (int i = 0; i < values.length; i++) {
            s.setAtIndex(I32, i, values[i]);
        }
        return new Tensor(name, DType.I32, new long[] {rows, cols}, s);
    }

    private static Tensor halves(String name, short[] values, long rows, long cols) {
        MemorySegment s = Arena.ofAuto().allocate(2L * values.length);
        for (int i = 0; i < values.length; i++) {
            s.setAtIndex(I16, i, values[i]);
        }
        return new Tensor(name, DType.F16, new long[] {rows, cols}, s);
    }
}
