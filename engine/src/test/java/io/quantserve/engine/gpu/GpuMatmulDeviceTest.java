package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.linear.Linear;
import org.junit.jupiter.api.BeforeAll;
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
class GpuMatmulDeviceTest extends DeviceTest {

    private static GpuMatmul gpu;

    @BeforeAll
    static void kernels() {
        if (device != null) {
            gpu = new GpuMatmul(device);
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
            DeviceBuffer ad = upload(t, a);
            DeviceBuffer wd = upload(t, w);
            gpu.gemm(t, out, ad, wd, m, n, k, ws);
            float[] got = download(t, out, m * n);
            assertClose(got, expected, t == ActivationType.F16 ? 2e-3 : 1e-2, "gemm_" + t.suffix() + " " + plan);
            gpu.gemm(t, out, ad, wd, m, n, k, ws);
            assertThat(download(t, out, m * n)).as("a second call, the same bits").isEqualTo(got);
            assertThat(device.counters(0, "test").downloadInts(CudaDevice.COUNTERS)).as("the tiles' counters, back at 0")
                    .containsOnly(0);
        }
    }

    @ParameterizedTest(name = "M={0} K={1} N={2} group={3}")
    @CsvSource({"1, 96, 40, 32", "3, 320, 264, 64", "17, 200, 24, -1", "64, 4096, 4096, 128", "8, 11008, 4096, 128",
        "33, 4096, 12296, 128", "2, 4096, 11008, 128", "5, 136, 8, -1", "100, 256, 264, 32"})
    void shouldMultiplyAwqWeightsAsTheCpuLoaderReadsThem(int m, int k, int n, int groupSize) {
        RandomAwq awq = randomAwq(k, n, groupSize);
        float[] x = rounded(ActivationType.F16, gaussian(m * k, 1));
        Linear cpu = awq.cpu();
        float[] expected = new float[m * n];
        cpu.apply(x, expected, m);

        try (AwqDeviceWeights w = awq.upload()) {
            GemmPlan plan = gpu.awqPlan(m, w);
            DeviceBuffer out = poisoned(2L * m * n, "out");
            DeviceBuffer ws = plan.splits() > 1 ? poisoned(plan.workspaceBytes(m, n), "workspace") : null;
            gpu.awqGemm(w, out, upload(ActivationType.F16, x), m, ws);
            assertClose(download(ActivationType.F16, out, m * n), expected, 2e-3, "awq_gemm " + plan);
            assertThat(device.counters(0, "test").downloadInts(CudaDevice.COUNTERS)).as("the tiles' counters, back at 0")
                    .containsOnly(0);
        }
    }

    @ParameterizedTest(name = "K={0} N={1} group={2}")
    @CsvSource({"64, 64, 32", "200, 40, -1", "320, 264, 64", "136, 8, 8", "4096, 4104, 128"})
    void shouldDequantizeAwqWeightsIntoTheDenseLayoutRoundedOnce(int k, int n, int groupSize) {
        RandomAwq awq = randomAwq(k, n, groupSize);
        int g = groupSize == -1 ? k : groupSize;
        short[] expected = new short[n * k];
        for (int c = 0; c < n; c++) {
            int nibble = 4 * ((c % 8) / 2 + 4 * (c % 2));  // AutoAWQ packs columns 0..7 as nibbles 0, 4, 1, 5, 2, 6, 3, 7
            for (int r = 0; r < k; r++) {
                int q = (awq.qweight()[r * (n / 8) + c / 8] >>> nibble) & 15;
                int z = (awq.qzeros()[r / g * (n / 8) + c / 8] >>> nibble) & 15;
                float s = Float.float16ToFloat(awq.scales()[r / g * n + c]);
                expected[c * k + r] = Float.floatToFloat16((q - z) * s);  // exact in fp32, rounded once to fp16
            }
        }
        try (AwqDeviceWeights w = awq.upload()) {
            DeviceBuffer dense = poisoned(2L * n * k, "dense");
            gpu.awqDequantize(w, dense);
            assertThat(dense.downloadShorts(n * k)).as("w [N, K] in fp16 bits").isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "M={0} K={1} N={2} group={3}")
    @CsvSource({"256, 512, 384, 128", "300, 200, 24, -1", "2, 320, 264, 64", "33, 1000, 520, 8"})
    void shouldMultiplyManyTokensByTheDequantizedAwqLayer(int m, int k, int n, int groupSize) {
        RandomAwq awq = randomAwq(k, n, groupSize);
        float[] x = rounded(ActivationType.F16, gaussian(m * k, 1));
        float[] expected = new float[m * n];
        awq.cpu().apply(x, expected, m);

        try (AwqDeviceWeights w = awq.upload()) {
            DeviceBuffer out = poisoned(2L * m * n, "out");
            DeviceBuffer ws = poisoned(GpuMatmul.awqDequantGemmWorkspaceBytes(m, n, k, device.multiprocessors()),
                    "workspace");
            gpu.awqDequantGemm(w, out, upload(ActivationType.F16, x), m, ws);
            assertClose(download(ActivationType.F16, out, m * n), expected, 2e-3, "awq_dequantize + gemm_f16");
            assertThat(device.counters(0, "test").downloadInts(CudaDevice.COUNTERS)).as("the tiles' counters, back at 0")
                    .containsOnly(0);
            DeviceBuffer small = track(device.allocate(2L * n * k - 2, "small"));
            assertThatThrownBy(() -> gpu.awqDequantGemm(w, out, upload(ActivationType.F16, x), m, small))
                    .hasMessageContaining("awq_dequantize_f16").hasMessageContaining("workspace");
        }
    }

    // ---- helpers ----

}
