package io.quantserve.engine.quant.algo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SmoothQuantTest {

    @Test
    void scalesBalanceActivationAndWeightMaxima() {
        // Channel 0: act 16, weight max 4 (over both linears) -> sqrt(16) / sqrt(4) = 2.
        // Channel 1: act 1, weight max 0 -> clamped to 1e-5: 1 / sqrt(1e-5).
        float[][] ws = {{1, 0, -4, 0}, {2, 0}};
        float[] s = SmoothQuant.scales(new float[] {16, 1}, ws, new int[] {2, 1}, 2, 0.5f);
        assertThat(s[0]).isCloseTo(2f, within(1e-6f));
        assertThat(s[1]).isCloseTo((float) (1 / Math.sqrt(1e-5)), within(1e-2f));
        assertThat(SmoothQuant.scales(new float[] {0, 0}, ws, new int[] {2, 1}, 2, 0.5f)).containsOnly(1e-5f);
    }

    @Test
    void foldingKeepsTheLayerOutput() {
        int in = 48;
        int n = 20;
        int[] outs = {32, 16};
        float[] x0 = Data.heavyTailed(n * in, 60);
        float[] norm = Data.gaussian(in, 61);
        float[] x = x0.clone();
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < in; c++) {
                x[t * in + c] *= norm[c] * (c % 7 == 0 ? 30 : 1); // outlier channels
            }
        }
        float[][] ws = {Data.heavyTailed(32 * in, 62), Data.heavyTailed(16 * in, 63)};
        float[] s = SmoothQuant.scales(SmoothQuant.activationAbsMax(x, n, in), ws, outs, in,
                SmoothQuant.DEFAULT_ALPHA);
        for (int i = 0; i < ws.length; i++) {
            float[] before = Matmul.xWt(x, n, ws[i], outs[i], in);
            float[] w = ws[i].clone();
            ChannelScaling.multiplyColumns(w, outs[i], in, s);
            // The norm output x / s: what dividing the norm weight by s produces.
            float[] xs = x.clone();
            for (int t = 0; t < n; t++) {
                for (int c = 0; c < in; c++) {
                    xs[t * in + c] /= s[c];
                }
            }
            float[] after = Matmul.xWt(xs, n, w, outs[i], in);
            for (int k = 0; k < before.length; k++) {
                assertThat(after[k]).isCloseTo(before[k], within(1e-4f * (1 + Math.abs(before[k]))));
            }
        }
        // And the outliers moved: the smoothed activations have a much smaller max/mean channel spread.
        float[] smoothedMax = SmoothQuant.activationAbsMax(x, n, in).clone();
        ChannelScaling.divide(smoothedMax, s);
        assertThat(spread(smoothedMax)).isLessThan(spread(SmoothQuant.activationAbsMax(x, n, in)) / 3);
    }

    @Test
    void dividingTheNormWeightScalesItsOutput() {
        float[] norm = {2, 4, 8};
        ChannelScaling.divide(norm, new float[] {2, 2, 4});
        assertThat(norm).containsExactly(1f, 2f, 2f);
        float[] prev = {1, 2, 3, 4}; // [2, 2]
        ChannelScaling.divideRows(prev, 2, 2, new float[] {1, 2});
        assertThat(prev).containsExactly(1f, 2f, 1.5f, 2f);
    }

    private static float spread(float[] v) {
        float max = 0;
        float min = Float.MAX_VALUE;
        for (float f : v) {
            max = Math.max(max, f);
            min = Math.min(min, f);
        }
        return max / min;
    }
}
