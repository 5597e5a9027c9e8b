package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.AwqDeviceWeights;
import io.quantserve.engine.gpu.DeviceBuffer;
import io.quantserve.engine.gpu.DeviceTest;
import io.quantserve.engine.gpu.GpuKernels;
import io.quantserve.engine.gpu.GpuMatmul;
import io.quantserve.engine.gpu.ModelKernels;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.linear.AwqConfig;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.testing.MapSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
            layer.apply(ops(t, layer, m), upload(t, x), y, m, f32Out);
            float[] got = f32Out ? y.downloadFloats(m * n) : download(t, y, m * n);
            String what = LinearDispatch.dense(m, n, k) + " " + t.suffix() + (f32Out ? " f32 out" : "");
            assertClose(got, expected, f32Out ? 1e-4 : t == ActivationType.F16 ? 2e-3 : 1e-2, what);
        }
    }

    @ParameterizedTest(name = "M={0} K={1} N={2} group={3} bias={4} f32={5}")
    @CsvSource({"1, 96, 40, 32, false, false", "2, 320, 264, 64, true, false", "17, 200, 24, -1, false, false",
        "64, 4096, 4096, 128, false, false", "1, 4096, 11008, 128, true, false", "33, 512, 1000, 128, false, false",
        "100, 256, 264, 32, true, false", "3, 100, 64, -1, false, false", "1, 256, 384, 64, false, true",
        "5, 256, 384, 64, false, true", "300, 256, 264, 32, true, false", "256, 512, 1000, 128, false, false"})
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
            layer.apply(ops(ActivationType.F16, layer, m), upload(ActivationType.F16, x), y, m, f32Out);
            float[] got = f32Out ? y.downloadFloats(m * n) : download(ActivationType.F16, y, m * n);
            // the CPU reference is fp32 over dequantized weights; the device rounds each weight to fp16 (GEMM) or
            // not (GEMV): 2e-3 covers both
            assertClose(got, expected, 2e-3, LinearDispatch.awq(m, n, k, weights.groupSize(), f32Out)
                    + (f32Out ? " f32 out" : ""));
        }
    }

    /**
     * q/k/v-like layers through {@link WeightUpload#stacked}: two AWQ layers of one group size become one product
     * (the bias of one, zeros for the other), a float layer beside them makes a {@link GpuLinear.Stacked} that runs
     * each part into its columns; both against the CPU layers side by side, at one row (GEMV) and several (GEMM).
     */
    @ParameterizedTest(name = "M={0}")
    @CsvSource({"1", "6"})
    void layersOfOneInputRunAsOneProductOrEachIntoItsColumns(int m) {
        int k = 128;
        RandomAwq q = randomAwq(k, 64, 32);
        RandomAwq kProj = randomAwq(k, 32, 32);
        float[] qBias = rounded(ActivationType.F16, gaussian(64, 0.5));
        float[] v = rounded(ActivationType.F16, gaussian(32 * k, 1 / Math.sqrt(k)));
        Map<String, Tensor> tensors = new HashMap<>();
        tensors.put("q_proj.qweight", ints("q_proj.qweight", q.qweight(), k, 8));
        tensors.put("q_proj.qzeros", ints("q_proj.qzeros", q.qzeros(), k / 32, 8));
        tensors.put("q_proj.scales", halves("q_proj.scales", q.scales(), k / 32, 64));
        Tensor bias = halves("q_proj.bias", f16(qBias), 1, 64);
        tensors.put("q_proj.bias", new Tensor(bias.name(), bias.dtype(), new long[] {64}, bias.data()));
        tensors.put("k_proj.qweight", ints("k_proj.qweight", kProj.qweight(), k, 4));
        tensors.put("k_proj.qzeros", ints("k_proj.qzeros", kProj.qzeros(), k / 32, 4));
        tensors.put("k_proj.scales", halves("k_proj.scales", kProj.scales(), k / 32, 32));
        tensors.put("v_proj.weight", halves("v_proj.weight", f16(v), 32, k));
        WeightUpload up = new WeightUpload(device, MapSource.of(tensors), new AwqConfig(32, List.of("v_proj")),
                ActivationType.F16);
        float[] x = rounded(ActivationType.F16, gaussian(m * k, 1));
        float[] qRef = new float[m * 64];
        q.cpu().apply(x, qRef, m);
        float[] kRef = new float[m * 32];
        kProj.cpu().apply(x, kRef, m);
        double[] vRef = new double[m * 32];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < 32; j++) {
                for (int c = 0; c < k; c++) {
                    vRef[i * 32 + j] += (double) x[i * k + c] * v[j * k + c];
                }
            }
        }
        double[] expected = new double[m * 128];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < 64; j++) {
                expected[i * 128 + j] = qRef[i * 64 + j] + qBias[j];
            }
            for (int j = 0; j < 32; j++) {
                expected[i * 128 + 64 + j] = kRef[i * 32 + j];
                expected[i * 128 + 96 + j] = vRef[i * 32 + j];
            }
        }
        try (GpuLinear qk = up.stacked(List.of("q_proj", "k_proj"), k, 64, 32);
                GpuLinear qkv = up.stacked(List.of("q_proj", "k_proj", "v_proj"), k, 64, 32, 32)) {
            assertThat(qk).isInstanceOf(GpuLinear.Awq.class);
            assertThat(qkv).isInstanceOf(GpuLinear.Stacked.class);
            double[] qkExpected = new double[m * 96];
            for (int i = 0; i < m; i++) {
                System.arraycopy(expected, i * 128, qkExpected, i * 96, 96);
            }
            assertClose(applied(qk, x, m), qkExpected, 2e-3, "q+k as one AWQ product, M=" + m);
            assertClose(applied(qkv, x, m), expected, 2e-3, "q+k+v part by part, M=" + m);
        }
    }

    private float[] applied(GpuLinear layer, float[] x, int m) {
        DeviceBuffer y = poisoned(2L * m * layer.outFeatures(), "y");
        layer.apply(ops(ActivationType.F16, layer, m), upload(ActivationType.F16, x), y, m, false);
        return download(ActivationType.F16, y, m * layer.outFeatures());
    }

    private static short[] f16(float[] v) {
        short[] h = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            h[i] = Float.floatToFloat16(v[i]);
        }
        return h;
    }

    // ---- helpers ----

    /** The untuned kernels with the workspace {@code layer} needs for m rows. */
    private GpuLinear.Ops ops(ActivationType t, GpuLinear layer, int m) {
        long bytes = layer.workspaceBytes(m, device.multiprocessors(), AwqKernelTable.CONFIGURED);
        DeviceBuffer ws = poisoned(Math.max(4, bytes), "workspace");
        return new GpuLinear.Ops(new GpuKernels(device), new ModelKernels(device), new GpuMatmul(device), t, ws,
                AwqKernelTable.CONFIGURED);
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
