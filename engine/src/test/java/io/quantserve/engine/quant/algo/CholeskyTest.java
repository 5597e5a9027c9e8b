package io.quantserve.engine.quant.algo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CholeskyTest {

    @Test
    void upperFactorOfTheInverse() {
        for (int n : new int[] {1, 7, 33, 100}) {
            float[] x = Data.correlated(2 * n + 3, n, n);
            Hessian h = new Hessian(n);
            h.add(x, 2 * n + 3);
            double[] a = h.matrix();
            for (int i = 0; i < n; i++) {
                a[i * n + i] += 0.01;
            }
            double[] u = Cholesky.upperOfInverse(a, n, "test");
            // Uᵀ U A = I, U upper triangular with a positive diagonal.
            for (int r = 0; r < n; r++) {
                assertThat(u[r * n + r]).isPositive();
                for (int c = 0; c < r; c++) {
                    assertThat(u[r * n + c]).isZero();
                }
            }
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < n; c++) {
                    double s = 0;
                    for (int k = 0; k < n; k++) {
                        double inv = 0;
                        for (int m = 0; m <= Math.min(r, k); m++) {
                            inv += u[m * n + r] * u[m * n + k];
                        }
                        s += inv * a[k * n + c];
                    }
                    assertThat(s).as("n %d (%d, %d)", n, r, c).isCloseTo(r == c ? 1 : 0, within(1e-8));
                }
            }
        }
    }

    @Test
    void rejectsIndefiniteMatrix() {
        assertThatThrownBy(() -> Cholesky.lower(new double[] {1, 2, 2, 1}, 2, "layer.q_proj"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer.q_proj")
                .hasMessageContaining("not positive definite");
    }
}
