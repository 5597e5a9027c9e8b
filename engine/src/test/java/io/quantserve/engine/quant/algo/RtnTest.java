package io.quantserve.engine.quant.algo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.quant.QuantizedWeight;
import org.junit.jupiter.api.Test;

class RtnTest {

    @Test
    void asymmetricKnownValues() {
        // min -1, max 2 at 2 bits: scale 1, zero round(1) = 1.
        QuantizedWeight q = Rtn.quantize(new float[] {-1, 0, 1, 2}, 1, 4, 2, -1, false);
        assertThat(q.scales()).containsExactly(1f);
        assertThat(q.zeros()).containsExactly(1f);
        assertThat(q.q()).containsExactly(0, 1, 2, 3);
        assertThat(q.dequantize()).containsExactly(-1f, 0f, 1f, 2f);
    }

    @Test
    void rangeWidenedToContainZero() {
        // All positive: min becomes 0, so scale = 3 / 15 and zero 0 (find_params' min <= 0 <= max).
        QuantizedWeight q = Rtn.quantize(new float[] {1, 2, 3, 3}, 1, 4, 4, -1, false);
        assertThat(q.scales()[0]).isEqualTo(3f / 15);
        assertThat(q.zeros()[0]).isZero();
        assertThat(q.q()).containsExactly(5, 10, 15, 15);
    }

    @Test
    void symmetricZeroIsHalfRange() {
        // max(|min|, max) = 1, range [-1, 1]: scale 2/15, zero 8; in float -1 / scale is -7.4999995, so code 1.
        QuantizedWeight q = Rtn.quantize(new float[] {-1, 0.5f}, 1, 2, 4, -1, true);
        assertThat(q.zeros()).containsExactly(8f);
        assertThat(q.scales()).containsExactly(2f / 15);
        assertThat(q.q()).containsExactly(1, 12);
        assertThat(q.symmetric()).isTrue();
    }

    @Test
    void symmetricWithoutNegativesKeepsMinAtZero() {
        // The reference mirrors min only where it is negative: [0, 3] gives scale 3/15 with zero still 8.
        QuantizedWeight q = Rtn.quantize(new float[] {3, 1}, 1, 2, 4, -1, true);
        assertThat(q.scales()).containsExactly(3f / 15);
        assertThat(q.zeros()).containsExactly(8f);
    }

    @Test
    void allZeroGroupGetsUnitRange() {
        QuantizedWeight q = Rtn.quantize(new float[4], 1, 4, 4, -1, false);
        assertThat(q.scales()).containsExactly(2f / 15);
        assertThat(q.zeros()).containsExactly(7f); // 1 / (2/15 in float) = 7.4999995
        assertThat(q.dequantize()).containsOnly(0f);
    }

    @Test
    void roundTripWithinHalfAStep() {
        int out = 8;
        int in = 96;
        float[] w = Data.heavyTailed(out * in, 1);
        for (int bits : new int[] {2, 3, 4, 8}) {
            for (boolean sym : new boolean[] {false, true}) {
                for (int gs : new int[] {-1, 32}) {
                    QuantizedWeight q = Rtn.quantize(w, out, in, bits, gs, sym);
                    float[] back = q.dequantize();
                    int groups = q.groups();
                    for (int o = 0; o < out; o++) {
                        for (int k = 0; k < in; k++) {
                            float step = q.scales()[o * groups + k / q.groupSize()];
                            assertThat(q.q()[o * in + k]).isBetween(0, (1 << bits) - 1);
                            // Symmetric leaves the top code unused when max > |min|: up to one step off there.
                            float tol = sym ? step : step / 2;
                            assertThat(Math.abs(back[o * in + k] - w[o * in + k]))
                                    .as("bits %d sym %s gs %d", bits, sym, gs).isLessThanOrEqualTo(tol * 1.0001f);
                        }
                    }
                }
            }
        }
    }

    @Test
    void moreBitsLessError() {
        float[] w = Data.heavyTailed(16 * 128, 2);
        double e2 = Data.squaredDistance(w, Rtn.quantize(w, 16, 128, 2, 64, false).dequantize());
        double e3 = Data.squaredDistance(w, Rtn.quantize(w, 16, 128, 3, 64, false).dequantize());
        double e4 = Data.squaredDistance(w, Rtn.quantize(w, 16, 128, 4, 64, false).dequantize());
        assertThat(e3).isLessThan(e2 / 2);
        assertThat(e4).isLessThan(e3 / 2);
    }

    @Test
    void rejectsGroupThatDoesNotDivide() {
        assertThatThrownBy(() -> Rtn.quantize(new float[100], 1, 100, 4, 64, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group_size 64");
    }
}
