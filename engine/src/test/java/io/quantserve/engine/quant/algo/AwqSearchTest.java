package io.quantserve.engine.quant.algo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AwqSearchTest {
    static final int IN = 128;
    static final int N = 256;

    private static float[] inputs(long seed, boolean salient) {
        float[] x = Data.heavyTailed(N * IN, seed);
        if (salient) {
            // A few channels carrying large activations, as LLM hidden states have.
            for (int t = 0; t < N; t++) {
                for (int c : new int[] {5, 40, 77, 120}) {
                    x[t * IN + c] *= 20;
                }
            }
        }
        return x;
    }

    @Test
    void weightMeansNormalisePerGroupThenAverageRows() {
        // Two linears, one row each, group 2: |w| / (max|w| of its group + 1e-6), then the mean over the 2 rows.
        float[][] ws = {{1, -2, 3, 0}, {-4, 4, 0, 1}};
        float[] m = AwqSearch.weightMeans(ws, new int[] {1, 1}, 4, 2);
        assertThat(m[0]).isCloseTo((0.5f + 1f) / 2, within(1e-5f));
        assertThat(m[1]).isCloseTo((1f + 1f) / 2, within(1e-5f));
        assertThat(m[2]).isCloseTo((1f + 0f) / 2, within(1e-5f));
        assertThat(m[3]).isCloseTo((0f + 1f) / 2, within(1e-5f));
    }

    @Test
    void activationMeansAreMeanAbsolute() {
        float[] m = AwqSearch.activationMeans(new float[] {1, -2, -3, 4}, 2, 2);
        assertThat(m).containsExactly(2f, 3f);
    }

    @Test
    void scalesAreNormalisedAroundOne() {
        float[] s = AwqSearch.scales(new float[] {1, 4, 9}, new float[] {1, 1, 1}, 0.5f);
        // x^0.5 / (1 + 1e-4) = {1, 2, 3}/1.0001, normalised by sqrt(max · min): {1, 2, 3} / sqrt(3).
        assertThat(s[0] * s[2]).isCloseTo(1f, within(1e-5f));
        assertThat(s[1] / s[0]).isCloseTo(2f, within(1e-5f));
    }

    @Test
    void neverWorseThanRtnOnItsObjective() {
        for (long seed = 20; seed < 23; seed++) {
            float[] q = Data.heavyTailed(64 * IN, seed);
            float[] k = Data.heavyTailed(32 * IN, seed + 100);
            AwqScales r = AwqSearch.searchScales(new float[][] {q, k}, new int[] {64, 32}, IN,
                    inputs(seed, false), N, 4, 32);
            System.out.printf("awq no salient channels: loss/rtn %.3f ratio %s%n", r.loss() / r.rtnLoss(),
                    r.ratio());
            assertThat(r.loss()).isLessThanOrEqualTo(r.rtnLoss());
        }
    }

    @Test
    void protectsSalientChannels() {
        float[] w = Data.heavyTailed(96 * IN, 30);
        float[] x = inputs(31, true);
        for (int bits : new int[] {3, 4}) {
            AwqScales r = AwqSearch.searchScales(new float[][] {w}, new int[] {96}, IN, x, N, bits, 32);
            System.out.printf("awq %d-bit salient: loss/rtn %.3f at ratio %s%n", bits, r.loss() / r.rtnLoss(),
                    r.ratio());
            assertThat(r.loss()).isLessThan(0.8 * r.rtnLoss());
            assertThat(r.ratio()).isGreaterThan(0);
            // The salient channels get the largest scales.
            assertThat(r.scales()[40]).isGreaterThan(r.scales()[41]);
        }
    }

    @Test
    void foldedScalesGiveTheSearchedLossWhenQuantized() {
        // What the pipeline does with the result: W·diag(s) quantized, activations divided by s.
        float[] w = Data.heavyTailed(96 * IN, 32);
        float[] x = inputs(33, true);
        AwqScales r = AwqSearch.searchScales(new float[][] {w}, new int[] {96}, IN, x, N, 4, 32);
        float[] ws = w.clone();
        ChannelScaling.multiplyColumns(ws, 96, IN, r.scales());
        float[] wq = AwqRtn.quantize(ws, 96, IN, 4, 32).dequantize();
        float[] xs = x.clone();
        for (int t = 0; t < N; t++) {
            for (int c = 0; c < IN; c++) {
                xs[t * IN + c] /= r.scales()[c];
            }
        }
        double mse = 0;
        float[] y = Matmul.xWt(x, N, w, 96, IN);
        float[] yq = Matmul.xWt(xs, N, wq, 96, IN);
        for (int i = 0; i < y.length; i++) {
            mse += (double) (y[i] - yq[i]) * (y[i] - yq[i]);
        }
        mse /= y.length;
        assertThat(mse).isCloseTo(r.loss(), within(r.loss() * 1e-3));
    }

    @Test
    void customObjectiveIsWhatGetsMinimised() {
        float[] w = Data.heavyTailed(32 * IN, 34);
        float[] x = inputs(35, true);
        // Scoring only the weight error itself: the search must still hand back the best it saw, never worse than s=1.
        ObjectiveFn weightError = c -> Data.squaredDistance(w, c[0]);
        AwqScales r = AwqSearch.searchScales(new float[][] {w}, new int[] {32}, IN, x, N, 4, 32, weightError);
        assertThat(r.loss()).isLessThanOrEqualTo(r.rtnLoss());
        assertThat(r.rtnLoss()).isCloseTo(Data.squaredDistance(w, AwqRtn.quantize(w, 32, IN, 4, 32).dequantize()),
                within(1e-6));
    }

    @Test
    void clipSearchNeverIncreasesItsErrorAndHelpsHeavyTails() {
        float[] w = Data.heavyTailed(48 * IN, 40);
        float[] x = inputs(41, false);
        for (int bits : new int[] {3, 4}) {
            AwqClip c = AwqSearch.searchClip(w, 48, IN, x, N, bits, 32);
            System.out.printf("awq clip %d-bit: error/unclipped %.3f%n", bits, c.error() / c.unclippedError());
            assertThat(c.error()).isLessThan(c.unclippedError());
            float[] clipped = w.clone();
            AwqSearch.applyClip(clipped, 48, IN, 32, c.maxValues());
            for (int i = 0; i < w.length; i++) {
                assertThat(Math.abs(clipped[i])).isLessThanOrEqualTo(Math.abs(w[i]));
            }
            // Quantizing the clipped weight gives less output error than quantizing the original.
            double clippedErr = Data.outputError(w, AwqRtn.quantize(clipped, 48, IN, bits, 32).dequantize(), 48, IN,
                    x, N);
            double plainErr = Data.outputError(w, AwqRtn.quantize(w, 48, IN, bits, 32).dequantize(), 48, IN, x, N);
            assertThat(clippedErr).isLessThan(plainErr);
        }
    }

    @Test
    void clipBoundsStayOnTheShrinkGrid() {
        float[] w = Data.heavyTailed(16 * IN, 42);
        AwqClip c = AwqSearch.searchClip(w, 16, IN, inputs(43, false), N, 4, 64);
        for (int o = 0; o < 16; o++) {
            for (int g = 0; g < 2; g++) {
                float amax = 0;
                for (int k = g * 64; k < (g + 1) * 64; k++) {
                    amax = Math.max(amax, Math.abs(w[o * IN + k]));
                }
                float ratio = c.maxValues()[o * 2 + g] / amax;
                assertThat(ratio).isBetween(0.549f, 1.0001f);
                assertThat(Math.abs(ratio * 20 - Math.rint(ratio * 20))).isLessThan(1e-3f);
            }
        }
    }
}
