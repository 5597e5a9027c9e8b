package io.quantserve.engine.quant.algo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.quant.QuantizedWeight;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GptqTest {
    static final int OUT = 64;
    static final int IN = 256;
    static final int N = 1024;
    static float[] w;
    static float[] x;
    static Hessian h;

    @BeforeAll
    static void layer() {
        w = Data.heavyTailed(OUT * IN, 10);
        x = Data.correlated(N, IN, 11);
        h = new Hessian(IN);
        h.add(x, N);
    }

    /** GPTQ's output error over RTN's with the same bits, groups and symmetry. */
    private static double ratio(GptqOptions o) {
        GptqResult g = Gptq.quantize(w, OUT, IN, h, o);
        QuantizedWeight rtn = Rtn.quantize(w, OUT, IN, o.bits(), o.groupSize(), o.symmetric());
        double eg = Data.outputError(w, g.weight().dequantize(), OUT, IN, x, N);
        double er = Data.outputError(w, rtn.dequantize(), OUT, IN, x, N);
        System.out.printf("gptq %s: gptq/rtn output error %.3f%n", o, eg / er);
        return eg / er;
    }

    @Test
    void beatsRtnAt4BitsGrouped() {
        assertThat(ratio(GptqOptions.defaults(4, 64))).isLessThan(0.8);
    }

    @Test
    void beatsRtnAt4BitsPerChannel() {
        assertThat(ratio(GptqOptions.defaults(4, -1))).isLessThan(0.8);
    }

    @Test
    void beatsRtnAt3BitsGroupedAsymmetric() {
        assertThat(ratio(GptqOptions.defaults(3, 64).withSymmetric(false))).isLessThan(0.8);
    }

    @Test
    void beatsRtnAt3BitsPerChannel() {
        assertThat(ratio(GptqOptions.defaults(3, -1))).isLessThan(0.8);
    }

    @Test
    void beatsRtnWithActOrder() {
        assertThat(ratio(GptqOptions.defaults(4, 64).withDescAct(true, false))).isLessThan(0.8);
        assertThat(ratio(GptqOptions.defaults(3, -1).withDescAct(true, false))).isLessThan(0.8);
    }

    @Test
    void beatsRtnWithActOrderAndStaticGroups() {
        assertThat(ratio(GptqOptions.defaults(4, 64).withDescAct(true, true))).isLessThan(0.8);
    }

    @Test
    void blocksNotAlignedWithGroups() {
        // Groups that start inside a block take their parameters from the block-boundary weights (the reference).
        assertThat(ratio(new GptqOptions(4, 64, false, false, false, 0.01, 48))).isLessThan(0.8);
    }

    @Test
    void actOrderGroupsAreWholeGroupsOfHighestHessianColumnsFirst() {
        QuantizedWeight q = Gptq.quantize(w, OUT, IN, h, GptqOptions.defaults(4, 64).withDescAct(true, false))
                .weight();
        int[] count = new int[q.groups()];
        for (int g : q.gIdx()) {
            count[g]++;
        }
        assertThat(count).containsOnly(64);
        assertThat(q.hasSequentialGroups()).isFalse();
        double[] m = h.matrix();
        // Every column of group 0 has a larger diag(H) than every column of group 1.
        double min0 = Double.MAX_VALUE;
        double max1 = 0;
        for (int k = 0; k < IN; k++) {
            if (q.gIdx()[k] == 0) {
                min0 = Math.min(min0, m[k * IN + k]);
            } else if (q.gIdx()[k] == 1) {
                max1 = Math.max(max1, m[k * IN + k]);
            }
        }
        assertThat(min0).isGreaterThanOrEqualTo(max1);
    }

    @Test
    void staticGroupsKeepSequentialGroupIndex() {
        QuantizedWeight q = Gptq.quantize(w, OUT, IN, h, GptqOptions.defaults(4, 64).withDescAct(true, true))
                .weight();
        assertThat(q.hasSequentialGroups()).isTrue();
    }

    @Test
    void withoutActOrderTheGroupsAreSequential() {
        QuantizedWeight q = Gptq.quantize(w, OUT, IN, h, GptqOptions.defaults(4, 64)).weight();
        assertThat(q.hasSequentialGroups()).isTrue();
    }

    @Test
    void reportedLossTracksTheOutputError() {
        // Σ Losses estimates ‖(W - Ŵ) Xᵀ‖² scaled by 1/N (H = 2/N XᵀX, loss halves it).
        GptqResult g = Gptq.quantize(w, OUT, IN, h, GptqOptions.defaults(4, 64));
        double actual = Data.outputError(w, g.weight().dequantize(), OUT, IN, x, N) / N;
        System.out.printf("gptq loss %.4f, measured ‖ΔW X‖²/N %.4f%n", g.loss(), actual);
        assertThat(g.loss()).isBetween(actual * 0.5, actual * 2);
    }

    @Test
    void deadColumnsAreZeroedAndTheRestStillImproves() {
        float[] xd = x.clone();
        int[] dead = {3, 100, 101, 255};
        for (int t = 0; t < N; t++) {
            for (int c : dead) {
                xd[t * IN + c] = 0;
            }
        }
        Hessian hd = new Hessian(IN);
        hd.add(xd, N);
        GptqOptions o = GptqOptions.defaults(4, 64).withDescAct(true, false);
        float[] back = Gptq.quantize(w, OUT, IN, hd, o).weight().dequantize();
        for (int r = 0; r < OUT; r++) {
            for (int c : dead) {
                assertThat(back[r * IN + c]).isZero();
            }
        }
        double eg = Data.outputError(w, back, OUT, IN, xd, N);
        double er = Data.outputError(w, Rtn.quantize(w, OUT, IN, 4, 64, true).dequantize(), OUT, IN, xd, N);
        assertThat(eg / er).isLessThan(0.8);
    }

    @Test
    void uncorrelatedInputsReduceToRtn() {
        // With H diagonal there is no other column to push the error into: GPTQ must give RTN's codes exactly.
        int in = 96;
        float[] eye = new float[in * in];
        for (int i = 0; i < in; i++) {
            eye[i * in + i] = 1 + i % 5;
        }
        Hessian diagonal = new Hessian(in);
        diagonal.add(eye, in);
        float[] wSmall = Data.heavyTailed(8 * in, 12);
        for (GptqOptions o : new GptqOptions[] {GptqOptions.defaults(4, 32), GptqOptions.defaults(3, -1),
                GptqOptions.defaults(4, 32).withSymmetric(false).withDescAct(true, true)}) {
            QuantizedWeight g = Gptq.quantize(wSmall, 8, in, diagonal, o).weight();
            QuantizedWeight r = Rtn.quantize(wSmall, 8, in, o.bits(), o.groupSize(), o.symmetric());
            assertThat(g.q()).as("%s", o).containsExactly(r.q());
            assertThat(g.scales()).containsExactly(r.scales());
            assertThat(g.zeros()).containsExactly(r.zeros());
        }
    }

    @Test
    void rejectsGroupThatDoesNotDivide() {
        Hessian small = new Hessian(100);
        small.add(Data.gaussian(100 * 4, 5), 4);
        assertThatThrownBy(() -> Gptq.quantize(new float[200], 2, 100, small, GptqOptions.defaults(4, 64)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group_size 64 does not divide");
    }
}
