package io.quantserve.engine.quant.algo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HessianTest {

    @Test
    void runningAverageEqualsTwiceTheMeanOuterProduct() {
        int in = 7;
        int n = 30;
        float[] x = Data.gaussian(n * in, 3);
        Hessian h = new Hessian(in);
        // Uneven batches: the running average must not depend on how the tokens were split.
        h.add(java.util.Arrays.copyOfRange(x, 0, 4 * in), 4);
        h.add(java.util.Arrays.copyOfRange(x, 4 * in, 21 * in), 17);
        h.add(java.util.Arrays.copyOfRange(x, 21 * in, n * in), 9);
        assertThat(h.samples()).isEqualTo(n);
        double[] m = h.matrix();
        for (int a = 0; a < in; a++) {
            for (int b = 0; b < in; b++) {
                double s = 0;
                for (int t = 0; t < n; t++) {
                    s += (double) x[t * in + a] * x[t * in + b];
                }
                assertThat(m[a * in + b]).isCloseTo(2 * s / n, within(1e-12));
            }
        }
    }
}
