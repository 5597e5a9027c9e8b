package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.linear.Linear;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every kernel against the engine's CPU code (the scalar kernels, the AWQ loader) on fresh random inputs at awkward
 * sizes, inputs rounded to the device type first; error as ||gpu - cpu|| / ||cpu||. Outputs are poisoned with NaN
 * before each launch, so an element a kernel failed to write fails the comparison. Skipped where no CUDA device is
 * usable. Each launch is synchronized ({@value CudaDevice#SYNC_PROPERTY}) so that a failure names its kernel.
 */
class GpuKernelsDeviceTest extends DeviceTest {

    private static GpuKernels gpu;

    @BeforeAll
    static void kernels() {
        if (device != null) {
            gpu = new GpuKernels(device);
        }
    }

    @ParameterizedTest(name = "K={0} N={1} group={2}")
    @CsvSource({"96, 40, 32", "320, 264, 64", "200, 24, -1", "4096, 4096, 128", "11008, 4096, 128", "4096, 11008, 128",
        "4096, 12296, 128", "33, 8, 33", "20096, 72, 128"})
    void shouldMultiplyAwqWeightsAsTheCpuLoaderReadsThem(int k, int n, int groupSize) {
        RandomAwq awq = randomAwq(k, n, groupSize);
        float[] x = rounded(ActivationType.F16, gaussian(k));

        Linear cpu = awq.cpu();
        float[] expected = new float[n];
        cpu.apply(x, expected, 1);

        try (AwqDeviceWeights w = awq.upload()) {
            DeviceBuffer xd = upload(ActivationType.F16, x);
            DeviceBuffer workspace = track(device.allocate(gpu.awqPlan(w).workspaceBytes(n), "workspace"));
            for (AwqGemvKernel kernel : AwqGemvKernel.values()) {
                GpuKernels variant = new GpuKernels(device, kernel);
                DeviceBuffer y16 = poisoned(2L * n, "y16");
                DeviceBuffer y32 = poisoned(4L * n, "y32");
                variant.awqGemv(w, xd, y16, false, workspace);
                variant.awqGemv(w, xd, y32, true, workspace);
                assertClose(download(ActivationType.F16, y16, n), expected, 2e-3, kernel + " f16 out");
                float[] first = y32.downloadFloats(n);
                assertClose(first, expected, 1e-5, kernel + " f32 out");
                variant.awqGemv(w, xd, y32, true, workspace);
                assertThat(y32.downloadFloats(n)).as("%s: a second call, the same bits", kernel).isEqualTo(first);
            }
            assertThat(device.counters(0, "test").downloadInts(CudaDevice.COUNTERS)).as("the tiles' counters, back at 0")
                    .containsOnly(0);
        }
    }

    @ParameterizedTest(name = "M={0} K={1} N={2} group={3}")
    @CsvSource({"1, 96, 40, 32", "1, 4096, 4096, 128", "1, 20096, 72, 128", "2, 96, 40, 32", "3, 320, 264, 64",
        "5, 200, 24, -1", "8, 4096, 4096, 128", "9, 33, 8, 33", "32, 4096, 11008, 128", "8, 11008, 4096, 128",
        "4, 20096, 72, 128", "17, 4096, 12296, 128"})
    void shouldMultiplyAFewTokensByAwqWeightsAsTheCpuLoaderReadsThem(int m, int k, int n, int groupSize) {
        checkAwqRows(m, k, n, groupSize, "batched", w -> gpu.awqTokensPlan(m, w).workspaceBytes(m, n),
                (w, x, y, f32, ws) -> gpu.awqGemvTokens(w, x, y, m, f32, ws));
    }

    @ParameterizedTest(name = "M={0} K={1} N={2} group={3}")
    @CsvSource({"1, 4096, 4096, 128", "1, 11008, 4096, 128", "1, 4096, 11008, 128", "2, 96, 64, 32", "3, 320, 288, 64",
        "8, 4096, 4096, 128", "5, 208, 32, 208", "9, 4096, 12320, 128", "32, 4096, 4096, 64", "1, 20000, 96, 16"})
    void shouldMultiplyTokensByAwqWeightsOnTheTensorCoresAsTheCpuLoaderReadsThem(int m, int k, int n, int groupSize) {
        checkAwqRows(m, k, n, groupSize, "mma", w -> gpu.awqMmaPlan(m, w).workspaceBytes(m, n),
                (w, x, y, f32, ws) -> gpu.awqMma(w, x, y, m, f32, ws));
    }

    /**
     * One of the m-row AWQ products, fp16 and fp32 out, against the CPU loader's float weights; a second call gives the
     * same bits and leaves the split-K counters at 0.
     */
    private void checkAwqRows(int m, int k, int n, int groupSize, String what,
            java.util.function.ToLongFunction<AwqDeviceWeights> workspaceBytes, AwqRows product) {
        RandomAwq awq = randomAwq(k, n, groupSize);
        float[] x = rounded(ActivationType.F16, gaussian(m * k));
        float[] expected = new float[m * n];
        awq.cpu().apply(x, expected, m);

        try (AwqDeviceWeights w = awq.upload()) {
            DeviceBuffer xd = upload(ActivationType.F16, x);
            DeviceBuffer workspace = track(device.allocate(workspaceBytes.applyAsLong(w), "workspace"));
            DeviceBuffer y16 = poisoned(2L * m * n, "y16");
            DeviceBuffer y32 = poisoned(4L * m * n, "y32");
            product.run(w, xd, y16, false, workspace);
            product.run(w, xd, y32, true, workspace);
            assertClose(download(ActivationType.F16, y16, m * n), expected, 2e-3, what + " f16 out");
            float[] first = y32.downloadFloats(m * n);
            assertClose(first, expected, 1e-5, what + " f32 out");
            product.run(w, xd, y32, true, workspace);
            assertThat(y32.downloadFloats(m * n)).as("%s: a second call, the same bits", what).isEqualTo(first);
            assertThat(device.counters(0, "test").downloadInts(CudaDevice.COUNTERS))
                    .as("the (tile, token group) counters, back at 0").containsOnly(0);
        }
    }

    private interface AwqRows {
        void run(AwqDeviceWeights w, DeviceBuffer x, DeviceBuffer y, boolean outputF32, DeviceBuffer workspace);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ActivationType.class)
    void shouldNormalizeRowsAsTheScalarKernel(ActivationType t) {
        for (int n : new int[] {1, 7, 4096, 5123}) {
            int rows = 3;
            float[] x = rounded(t, gaussian(rows * n));
            float[] w = rounded(t, gaussian(n));
            float eps = 1e-5f;
            float[] expected = new float[rows * n];
            for (int r = 0; r < rows; r++) {
                VectorOps.scalar().rmsnorm(expected, r * n, x, r * n, w, n, eps);
            }
            DeviceBuffer out = poisoned((long) rows * n * 2, "out");
            gpu.rmsnorm(t, out, upload(t, x), upload(t, w), rows, n, eps);
            assertClose(download(t, out, rows * n), expected, tolerance(t), "rmsnorm n=" + n);

            // fused: residual += delta, then the norm of the new residual
            float[] delta = rounded(t, gaussian(rows * n));
            float[] sum = new float[rows * n];
            for (int i = 0; i < sum.length; i++) {
                sum[i] = t.toFloat(t.fromFloat(x[i] + delta[i]));
            }
            for (int r = 0; r < rows; r++) {
                VectorOps.scalar().rmsnorm(expected, r * n, sum, r * n, w, n, eps);
            }
            DeviceBuffer residual = upload(t, x);
            DeviceBuffer fused = poisoned((long) rows * n * 2, "fused");
            gpu.addRmsnorm(t, fused, residual, upload(t, delta), upload(t, w), rows, n, eps);
            assertThat(download(t, residual, rows * n)).as("residual after the fused add").containsExactly(sum);
            assertClose(download(t, fused, rows * n), expected, tolerance(t), "add_rmsnorm n=" + n);
        }
    }

    /** Qwen3's q/k norms in fused q/k/v rows: each query and key head in place, the value heads untouched. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(ActivationType.class)
    void shouldNormalizeEachQueryAndKeyHeadInPlace(ActivationType t) {
        for (int[] shape : new int[][] {{4, 2, 32}, {6, 1, 6}, {16, 8, 128}}) {
            int heads = shape[0];
            int kvHeads = shape[1];
            int headDim = shape[2];
            int tokens = 5;
            int rowLength = (heads + 2 * kvHeads) * headDim;
            float[] qkv = rounded(t, gaussian(tokens * rowLength));
            float[] qWeight = rounded(t, gaussian(headDim));
            float[] kWeight = rounded(t, gaussian(headDim));
            float eps = 1e-6f;
            float[] expected = qkv.clone();
            for (int token = 0; token < tokens; token++) {
                for (int h = 0; h < heads + kvHeads; h++) {
                    int off = token * rowLength + h * headDim;
                    VectorOps.scalar().rmsnorm(expected, off, qkv, off, h < heads ? qWeight : kWeight, headDim, eps);
                }
            }
            DeviceBuffer rows = upload(t, qkv);
            gpu.headRmsnorm(t, rows, upload(t, qWeight), upload(t, kWeight), tokens, heads, kvHeads, headDim, eps);
            float[] actual = download(t, rows, tokens * rowLength);
            String what = "head_rmsnorm " + heads + "/" + kvHeads + " heads of " + headDim;
            assertClose(actual, expected, tolerance(t), what);
            for (int token = 0; token < tokens; token++) {
                int v = token * rowLength + (heads + kvHeads) * headDim;
                assertThat(Arrays.copyOfRange(actual, v, v + kvHeads * headDim)).as(what + ": values")
                        .containsExactly(Arrays.copyOfRange(qkv, v, v + kvHeads * headDim));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ActivationType.class)
    void shouldAddElementwiseAlignedOrNot(ActivationType t) {
        for (int n : new int[] {1, 7, 8, 1000003}) {
            for (int offset : new int[] {0, 1}) {   // offset 1: 2-byte aligned only, the single-element path
                float[] a = rounded(t, gaussian(n));
                float[] b = rounded(t, gaussian(n));
                float[] sum = new float[n];
                for (int i = 0; i < n; i++) {
                    sum[i] = a[i] + b[i];
                }
                DeviceBuffer y = at(upload(t, pad(a, offset)), offset, n);
                gpu.add(t, y, at(upload(t, pad(b, offset)), offset, n), n);
                assertClose(download(t, y, n), sum, tolerance(t), "add n=" + n + " offset " + offset);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ActivationType.class)
    void shouldGateTheFusedGateUpRowsAlignedOrNot(ActivationType t) {
        // n % 8 == 0 and aligned: 16-byte accesses; n = 7 or an odd offset: single elements
        for (int[] shape : new int[][] {{1, 8}, {3, 7}, {5, 11008}, {1, 1}, {300, 24}}) {
            int rows = shape[0], n = shape[1];
            for (int offset : new int[] {0, 1}) {
                float[] gateUp = rounded(t, gaussian(2 * rows * n));
                float[] expected = new float[rows * n];
                for (int r = 0; r < rows; r++) {
                    float[] up = Arrays.copyOfRange(gateUp, (2 * r + 1) * n, (2 * r + 2) * n);
                    System.arraycopy(gateUp, 2 * r * n, expected, r * n, n);
                    VectorOps.scalar().siluMul(expected, r * n, up, 0, n);
                }
                DeviceBuffer out = at(poisoned(2L * (rows * n + offset), "gated"), offset, rows * n);
                gpu.siluMulRows(t, out, at(upload(t, pad(gateUp, offset)), offset, gateUp.length), rows, n);
                assertClose(download(t, out, rows * n), expected, tolerance(t),
                        "silu_mul_rows " + rows + "x" + n + " offset " + offset);
            }
        }
    }

    @Test
    void shouldCopyRowsIntoTheirColumnsOfAWiderMatrix() {
        int rows = 9, width = 100, left = 36, part = 40; // int16 columns [left, left + part) of [rows, width]
        for (int offset : new int[] {0, 1}) {           // offset 1: byte copies
            short[] dst = new short[rows * width];
            short[] src = new short[rows * part + offset];
            for (int i = 0; i < src.length; i++) {
                src[i] = (short) random.nextInt();
            }
            DeviceBuffer d = track(device.allocate(2L * dst.length, "dst"));
            d.upload(dst);
            DeviceBuffer s = track(device.allocate(2L * src.length, "src"));
            s.upload(src);
            gpu.copyRows(d.slice(2L * left, 2L * (dst.length - left), "dst columns"), 2L * width,
                    s.slice(2L * offset, 2L * rows * part, "src rows"), 2L * part, 2L * part, rows);
            short[] got = d.downloadShorts(dst.length);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < width; c++) {
                    short want = c >= left && c < left + part ? src[offset + r * part + c - left] : 0;
                    assertThat(got[r * width + c]).as("row %d column %d, offset %d", r, c, offset).isEqualTo(want);
                }
            }
        }
        assertThatThrownBy(() -> gpu.copyRows(track(device.allocate(64, "a")), 8, track(device.allocate(64, "b")), 16,
                16, 2)).hasMessageContaining("overlap");
    }

    @Test
    void shouldCopyEmbeddingRowsOfAnyWidth() {
        for (int hidden : new int[] {37, 4096}) {
            int vocab = 1000;
            short[] table = new short[vocab * hidden];
            for (int i = 0; i < table.length; i++) {
                table[i] = (short) random.nextInt();
            }
            int[] ids = {999, 0, 3, 3, 512};
            DeviceBuffer tableD = track(device.allocate(2L * table.length, "table"));
            tableD.upload(table);
            DeviceBuffer out = poisoned(2L * ids.length * hidden, "rows");
            DeviceBuffer idsD = track(device.allocate(4L * ids.length, "ids"));
            gpu.uploadIds(idsD, ids, vocab);
            gpu.embedding(out, tableD, idsD, ids.length, vocab, 2L * hidden);
            short[] got = out.downloadShorts(ids.length * hidden);
            for (int r = 0; r < ids.length; r++) {
                for (int i = 0; i < hidden; i++) {
                    assertThat(got[r * hidden + i]).as("row %d (token %d) element %d", r, ids[r], i)
                            .isEqualTo(table[ids[r] * hidden + i]);
                }
            }
        }
    }

    // ---- helpers ----

    private static double tolerance(ActivationType t) {
        return t == ActivationType.F16 ? 2e-3 : 1.6e-2;
    }

    private static float[] pad(float[] v, int front) {
        float[] p = new float[v.length + front];
        System.arraycopy(v, 0, p, front, v.length);
        return p;
    }

    private static DeviceBuffer at(DeviceBuffer b, int elementOffset, int n) {
        return b.slice(2L * elementOffset, 2L * n, b.label() + "+" + elementOffset);
    }

}
