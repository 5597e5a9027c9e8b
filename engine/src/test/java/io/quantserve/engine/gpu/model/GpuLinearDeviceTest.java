package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.AwqDeviceWeights;
import io.quantserve.engine.gpu.DeviceBuffer;
import io.quantserve.engine.gpu.DeviceTest;
import io.quantserve.engine.gpu.GpuKernels;
import io.quantserve.engine.gpu.GpuMatmul;
import io.quantserve.engine.gpu.ModelKernels;
import io.quantserve.engine.linear.Linear;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link GpuLinear} through the kernels {@link LinearDispatch} picks (mma GEMM with and without split-K, the simple
 * dense fallback, AWQ GEMV and GEMM) against CPU references at awkward shapes, with the workspace the layer asks for
 * at exactly m rows and outputs poisoned with NaN. Bounds on ||gpu - ref|| / ||ref||: 16-bit outputs 2e-3 (f16) /
 * 1e-2 (bf16, bias added after one rounding: two roundings), fp32 outputs 1e-4 (inputs rounded to the type first; only
 * fp32 accumulation remains). Skipped without a CUDA device.
 */
class GpuLinearDeviceTest extends DeviceTest {

    GpuLinearDeviceTest() {
        super(new Random(7));
    }

    @ParameterizedTest(name = "M={0} N={1} K={2} bias={3} f32={4}")
    @CsvSource({"1, 40, 24, false, false", "1, 4096, 4096, true, false", "3, 200, 1000, true, false",
        "17, 264, 136, false, false", "130, 129, 520, true, false", "5, 130, 60, true, false",
        "1, 384, 64, false, true", "7, 1000, 264, false, true", "40, 333, 96, false, true", "3, 77, 44, false, true"})
    void shouldMatchTheCpuReferenceForFloatWeights(int m, int n, int k, boolean withBias, boolean f32Out) {
        for (ActivationType t : ActivationType.values()) {
            float[] x = rounded(t, gaussian(m * k, 1));
            float[] w = rounded(t, gaussian(n * k, 1 / Math.sqrt(k)));
            float[] b = withBias ? rounded(t, gaussian(n, 0.5)) : null;
            double[] expected = new double[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = withBias ? b[j] : 0;
                    for (int c = 0; c < k; c++) {
                        s += (double) x[i * k + c] * w[j * k + c];
                    }
                    expected[i * n + j] = s;
                }
            }
            GpuLinear.Dense layer = new GpuLinear.Dense(upload(t, w), withBias ? upload(t, b) : null, k, n);
            DeviceBuffer y = poisoned((long) m * n * (f32Out ? 4 : 2), "y");
            layer.apply(ops(t, layer.workspaceBytes(m, device.multiprocessors())), upload(t, x), y, m, f32Out);
            float[] got = f32Out ? y.downloadFloats(m * n) : download(t, y, m * n);
            String what = LinearDispatch.dense(m, n, k) + " " + t.suffix() + (f32Out ? " f32 out" : "");
            assertClose(got, expected, f32Out ? 1e-4 : t == ActivationType.F16 ? 2e-3 : 1e-2, what);
        }
    }

    @ParameterizedTest(name = "M={0} K={1} N={2} group={3} bias={4} f32={5}")
    @CsvSource({"1, 96, 40, 32, false, false", "2, 320, 264, 64, true, false", "17, 200, 24, -1, false, false",
        "64, 4096, 4096, 128, false, false", "1, 4096, 11008, 128, true, false", "33, 512, 1000, 128, false, false",
        "100, 256, 264, 32, true, false", "3, 100, 64, -1, false, false", "1, 256, 384, 64, false, true",
        "5, 256, 384, 64, false, true"})
    void shouldMatchTheCpuAwqLinear(int m, int k, int n, int groupSize, boolean withBias, boolean f32Out) {
        RandomAwq awq = randomAwq(k, n, groupSize);
        float[] x = rounded(ActivationType.F16, gaussian(m * k, 1));
        float[] b = withBias ? rounded(ActivationType.F16, gaussian(n, 0.5)) : null;
        Linear cpu = awq.cpu();
        float[] reference = new float[m * n];
        cpu.apply(x, reference, m);
        double[] expected = new double[m * n];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = reference[i] + (withBias ? b[i % n] : 0);
        }
        AwqDeviceWeights weights = awq.upload();
        try (GpuLinear.Awq layer = new GpuLinear.Awq(weights, withBias ? deviceCopy(ActivationType.F16, b) : null)) {
            DeviceBuffer y = poisoned((long) m * n * (f32Out ? 4 : 2), "y");
            layer.apply(ops(ActivationType.F16, layer.workspaceBytes(m, device.multiprocessors())),
                    upload(ActivationType.F16, x), y, m, f32Out);
            float[] got = f32Out ? y.downloadFloats(m * n) : download(ActivationType.F16, y, m * n);
            // the CPU reference is fp32 over dequantized weights; the device rounds each weight to fp16 (GEMM) or
            // not (GEMV): 2e-3 covers both
            assertClose(got, expected, 2e-3, LinearDispatch.awq(m, n, k, weights.groupSize(), f32Out)
                    + (f32Out ? " f32 out" : ""));
        }
    }

    // ---- helpers ----

    private GpuLinear.Ops ops(ActivationType t, long workspaceBytes) {
        DeviceBuffer ws = poisoned(Math.max(4, workspaceBytes), "workspace");
        return new GpuLinear.Ops(new GpuKernels(device), new ModelKernels(device), new GpuMatmul(device), t, ws);
    }

    private static void assertClose(float[] got, double[] expected, double tolerance, String what) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < got.length; i++) {
            assertThat(Float.isNaN(got[i])).as("%s: element %d is NaN (not written?)", what, i).isFalse();
            diff += (got[i] - expected[i]) * (got[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        double rel = Math.sqrt(diff / Math.max(norm, 1e-30));
        assertThat(rel).as("%s: ||gpu - ref|| / ||ref||", what).isLessThanOrEqualTo(tolerance);
    }

}
