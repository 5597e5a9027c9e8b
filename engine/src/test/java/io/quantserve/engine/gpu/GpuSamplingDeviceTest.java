package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.sampling.Sampler;
import io.quantserve.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Device sampling against the CPU {@link Sampler} itself: each row's u is the first draw of the random stream the
 * CPU sampler gets from its seed (Sampler.sample calls nextDouble once), so both must pick the same token. The
 * device computes the weights exactly as the CPU does (float (x - max) * (1/T), exp in double rounded to float) and
 * sums masses in double, so they can differ only where u lands within rounding (~1e-16 relative) of a boundary
 * between two tokens: equality is expected on every row. Rows cover temperature only (index-order draw), top-k,
 * top-p, both, min-p, greedy, ties (f16/bf16 logits), and rows too flat for the shared-memory candidate set (the
 * whole-row path). Outputs poisoned first. Skipped without a CUDA device.
 */
class GpuSamplingDeviceTest extends DeviceTest {
    private static GpuSampling gpu;

    @BeforeAll
    static void kernels() {
        if (device != null) {
            gpu = new GpuSampling(device);
        }
    }

    @ParameterizedTest(name = "logits {0}")
    @ValueSource(strings = {"f32", "f16", "bf16"})
    void shouldDrawTheCpuSamplersTokenForTheSameUniform(String type) {
        for (int n : new int[] {1, 7, 32000, 50021}) {
            List<SamplingParams> params = new ArrayList<>();
            SamplingParams base = SamplingParams.defaults().withTopK(0).withTopP(1f).withMinP(0f);
            for (float t : new float[] {0.7f, 1f, 1.3f}) {
                params.add(base.withTemperature(t));                              // index-order draw
                params.add(base.withTemperature(t).withTopP(0.9f));
                params.add(base.withTemperature(t).withTopP(0.5f));
                params.add(base.withTemperature(t).withTopK(40));
                params.add(base.withTemperature(t).withTopK(40).withTopP(0.8f));
                params.add(base.withTemperature(t).withMinP(0.05f));
                params.add(base.withTemperature(t).withTopP(0.95f).withMinP(0.1f));
            }
            params.add(base.withTemperature(0));                                  // greedy
            params.add(base.withTemperature(50f).withTopP(0.99f));                // flat: the whole-row path
            params.add(base.withTemperature(2f).withTopK(6000));                  // more than the candidate capacity
            params.add(base.withTemperature(1f).withTopK(1));
            checkRows(type, n, params, 3.0);
        }
    }

    @Test
    void shouldKeepTiesInIndexOrderLikeTheCpu() {
        // bf16 logits of a few distinct values: many equal weights, ordered by token id on both sides
        List<SamplingParams> params = new ArrayList<>();
        SamplingParams base = SamplingParams.defaults().withTopK(0).withTopP(1f).withMinP(0f).withTemperature(1f);
        for (int i = 0; i < 8; i++) {
            params.add(base.withTopP(0.3f + 0.1f * i));
            params.add(base.withTopK(3 + 7 * i));
        }
        checkRows("bf16", 1000, params, 0.02);
    }

    @Test
    void shouldAnswerMinusOneForARowWithoutAFiniteLogit() {
        int n = 100;
        float[] logits = new float[2 * n];
        java.util.Arrays.fill(logits, Float.NEGATIVE_INFINITY);
        logits[n + 5] = Float.NaN;
        DeviceBuffer in = track(device.allocate(4L * logits.length, "logits"));
        in.upload(logits);
        DeviceBuffer out = poisoned(8, "out");
        List<SampleRow> rows = List.of(new SampleRow(0.5, 1f, 0.9f, 0f, 0), new SampleRow(0.5, 1f, 1f, 0f, 0));
        gpu.sample("f32", out, in, n, rows, track(device.allocate(SampleRow.BYTES * 2L, "rows")),
                track(device.allocate(GpuSampling.workspaceBytes(2, n), "workspace")));
        assertThat(out.downloadInts(2)).containsExactly(-1, -1);
    }

    /** Rows of gaussian logits times {@code scale}, one per parameter set, each with its own seed. */
    private void checkRows(String type, int n, List<SamplingParams> params, double scale) {
        int rows = params.size();
        float[] logits = new float[rows * n];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * scale);
        }
        if (scale < 0.1) {
            for (int i = 0; i < logits.length; i++) {
                logits[i] = Math.round(logits[i] * 100) / 100f;   // few distinct values
            }
        }
        DeviceBuffer in;
        if (type.equals("f32")) {
            in = track(device.allocate(4L * logits.length, "logits"));
            in.upload(logits);
        } else {
            ActivationType t = type.equals("f16") ? ActivationType.F16 : ActivationType.BF16;
            logits = GpuMatmulDeviceTest.rounded(t, logits);
            short[] bits = new short[logits.length];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = t.fromFloat(logits[i]);
            }
            in = track(device.allocate(2L * logits.length, "logits"));
            in.upload(bits);
        }
        List<SampleRow> sampleRows = new ArrayList<>();
        int[] expected = new int[rows];
        for (int r = 0; r < rows; r++) {
            long seed = random.nextLong();
            SamplingParams p = params.get(r).withSeed(seed);
            sampleRows.add(SampleRow.of(p, new SplittableRandom(seed).nextDouble()));
            float[] row = java.util.Arrays.copyOfRange(logits, r * n, (r + 1) * n);
            expected[r] = new Sampler(p, n).next(row);
        }
        DeviceBuffer out = poisoned(4L * rows, "out");
        gpu.sample(type, out, in, n, sampleRows, track(device.allocate((long) SampleRow.BYTES * rows, "rows")),
                poisoned(GpuSampling.workspaceBytes(rows, n), "workspace"));
        int[] got = out.downloadInts(rows);
        for (int r = 0; r < rows; r++) {
            assertThat(got[r]).as("sample_%s n=%d row %d %s", type, n, r, sampleRows.get(r)).isEqualTo(expected[r]);
        }
    }

}
