package io.quantserve.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.function.Consumer;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector kernels against their scalar twins at sizes that hit every loop part: shorter than one vector, the
 * one-vector tail, the unrolled body, and a scalar remainder. Tolerances scale with the magnitude of the terms, as
 * the two sum in different orders (and the vector side fuses multiply-adds).
 */
class VectorOpsTest {
    /** Offsets that are not multiples of the vector length, as when one head is sliced out of a larger array. */
    private static final int OFF = 3;

    private final VectorOps scalar = VectorOps.scalar();
    private final VectorOps vector = VectorOps.vector();

    @Test
    void namesTheImplementations() {
        assertThat(scalar.name()).isEqualTo("scalar");
        assertThat(vector.name()).matches("vector\\(\\d+\\)");
        assertThat(VectorOps.get().name()).isIn(scalar.name(), vector.name());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 172, 1000, 4097})
    void dot(int n) {
        Random rnd = new Random(n);
        float[] a = gaussian(rnd, n + OFF);
        float[] b = gaussian(rnd, n + 2 * OFF);
        double magnitude = 0;
        double exact = 0;
        for (int i = 0; i < n; i++) {
            magnitude += Math.abs((double) a[OFF + i] * b[2 * OFF + i]);
            exact += (double) a[OFF + i] * b[2 * OFF + i];
        }
        float s = scalar.dot(a, OFF, b, 2 * OFF, n);
        float v = vector.dot(a, OFF, b, 2 * OFF, n);
        assertThat((double) v).isCloseTo(s, within(1e-5 * magnitude));
        assertThat((double) v).isCloseTo(exact, within(1e-5 * magnitude));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 172, 1000, 4097})
    void axpy(int n) {
        Random rnd = new Random(n);
        float[] x = gaussian(rnd, n + OFF);
        float[] y = gaussian(rnd, n + OFF);
        float alpha = (float) rnd.nextGaussian();
        // Fused versus separate multiply-add: one rounding of the product apart, relative to the terms, not the
        // result, which may cancel to almost nothing.
        assertTwins(y, n, i -> 1e-6 * (Math.abs(y[i]) + Math.abs(alpha * x[i])),
                out -> scalar.axpy(alpha, x, OFF, out, OFF, n),
                out -> vector.axpy(alpha, x, OFF, out, OFF, n));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 172, 1000, 4097})
    void add(int n) {
        Random rnd = new Random(n);
        float[] x = gaussian(rnd, n + OFF);
        float[] y = gaussian(rnd, n + OFF);
        assertTwins(y, n, i -> 0, out -> scalar.add(out, OFF, x, OFF, n), out -> vector.add(out, OFF, x, OFF, n));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 172, 1000, 4097})
    void rmsnorm(int n) {
        Random rnd = new Random(n);
        float[] x = gaussian(rnd, n + OFF);
        float[] weight = gaussian(rnd, n);
        float[] s = new float[n + OFF];
        float[] v = new float[n + OFF];
        scalar.rmsnorm(s, OFF, x, OFF, weight, n, 1e-5f);
        vector.rmsnorm(v, OFF, x, OFF, weight, n, 1e-5f);
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) x[OFF + i] * x[OFF + i];
        }
        double inv = 1 / Math.sqrt(ss / n + 1e-5);
        for (int i = 0; i < n; i++) {
            double exact = x[OFF + i] * inv * weight[i];
            assertThat((double) v[OFF + i]).isCloseTo(s[OFF + i], within(2e-5 * Math.abs(exact) + 1e-7));
            assertThat((double) s[OFF + i]).isCloseTo(exact, within(2e-5 * Math.abs(exact) + 1e-7));
        }
    }

    @Test
    void rmsnormInPlace() {
        float[] x = gaussian(new Random(5), 100);
        float[] expected = new float[100];
        float[] weight = gaussian(new Random(6), 100);
        vector.rmsnorm(expected, 0, x, 0, weight, 100, 1e-6f);
        vector.rmsnorm(x, 0, x, 0, weight, 100, 1e-6f);
        assertThat(x).containsExactly(expected);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 172, 1000, 4097})
    void softmax(int n) {
        Random rnd = new Random(n);
        float[] x = gaussian(rnd, n + OFF);
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * 10 + 500; // exp would overflow without the max subtraction
        }
        float[] v = x.clone();
        scalar.softmax(x, OFF, n);
        vector.softmax(v, OFF, n);
        double total = 0;
        for (int i = 0; i < n; i++) {
            assertThat((double) v[OFF + i]).isCloseTo(x[OFF + i], within(1e-5 * x[OFF + i] + 1e-9));
            total += v[OFF + i];
        }
        assertThat(total).isCloseTo(1.0, within(1e-4));
        assertThat(v[0]).isEqualTo(x[0]); // untouched outside the range
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 172, 1000, 4097})
    void siluMul(int n) {
        Random rnd = new Random(n);
        float[] gate = gaussian(rnd, n + OFF);
        for (int i = 0; i < gate.length; i++) {
            gate[i] *= 8; // reach the saturated ends of silu
        }
        float[] up = gaussian(rnd, n + 2 * OFF);
        assertTwins(gate, n, i -> 1e-5 * Math.abs(gate[i] * up[i + OFF]) + 1e-9, out -> scalar.siluMul(out, OFF, up, 2 * OFF, n),
                out -> vector.siluMul(out, OFF, up, 2 * OFF, n));
        float[] one = {-2f};
        scalar.siluMul(one, 0, new float[] {3f}, 0, 1);
        assertThat((double) one[0]).isCloseTo(-2.0 / (1 + Math.exp(2)) * 3, within(1e-6));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 8, 34, 172, 1000, 4098})
    void rope(int headDim) {
        Random rnd = new Random(headDim);
        float[] x = gaussian(rnd, headDim + 2 * OFF);
        float[] cos = new float[headDim / 2 + OFF];
        float[] sin = new float[headDim / 2 + OFF];
        for (int i = 0; i < cos.length; i++) {
            double angle = rnd.nextDouble() * 100;
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
        // Same operations in the same order, no fusion: the twins agree to the bit.
        float[] s = x.clone();
        float[] v = x.clone();
        scalar.rope(s, OFF, headDim, cos, sin, OFF);
        vector.rope(v, OFF, headDim, cos, sin, OFF);
        assertThat(v).containsExactly(s);
        int half = headDim / 2;
        assertThat(s[OFF]).isEqualTo(x[OFF] * cos[OFF] - x[OFF + half] * sin[OFF]);
        assertThat(s[OFF + half]).isEqualTo(x[OFF + half] * cos[OFF] + x[OFF] * sin[OFF]);
        assertThat(s[OFF + headDim]).isEqualTo(x[OFF + headDim]);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 172, 1000, 4097})
    void attention(int len) {
        int[] headDims = {1, 7, 64, 172};
        for (int headDim : headDims) {
            Random rnd = new Random(len * 31L + headDim);
            // Two interleaved KV heads, as in a grouped-query cache; this query reads the second.
            int stride = 2 * headDim;
            int kvOff = headDim;
            float[] q = gaussian(rnd, headDim + OFF);
            float[] keys = gaussian(rnd, len * stride);
            float[] values = gaussian(rnd, len * stride);
            float scale = (float) (1 / Math.sqrt(headDim));
            float[] s = new float[headDim + OFF];
            float[] v = new float[headDim + OFF];
            scalar.attention(q, OFF, keys, values, kvOff, stride, len, headDim, scale, new float[len], s, OFF);
            vector.attention(q, OFF, keys, values, kvOff, stride, len, headDim, scale, new float[len + 5], v, OFF);

            double[] p = new double[len];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                for (int d = 0; d < headDim; d++) {
                    p[j] += (double) q[OFF + d] * keys[kvOff + j * stride + d];
                }
                p[j] *= scale;
                max = Math.max(max, p[j]);
            }
            double total = 0;
            for (int j = 0; j < len; j++) {
                p[j] = Math.exp(p[j] - max);
                total += p[j];
            }
            for (int d = 0; d < headDim; d++) {
                double exact = 0;
                double magnitude = 0;
                for (int j = 0; j < len; j++) {
                    exact += p[j] / total * values[kvOff + j * stride + d];
                    magnitude += p[j] / total * Math.abs(values[kvOff + j * stride + d]);
                }
                assertThat((double) s[OFF + d]).isCloseTo(exact, within(1e-4 * magnitude));
                assertThat((double) v[OFF + d]).isCloseTo(exact, within(1e-4 * magnitude));
            }
        }
    }

    /** Runs both implementations on copies of {@code y}; elements OFF..OFF+n must agree within tolerance(index). */
    private static void assertTwins(float[] y, int n, IntToDoubleFunction tolerance, Consumer<float[]> s,
                                    Consumer<float[]> v) {
        float[] ys = y.clone();
        float[] yv = y.clone();
        s.accept(ys);
        v.accept(yv);
        for (int i = 0; i < y.length; i++) {
            if (i < OFF || i >= OFF + n) {
                assertThat(yv[i]).as("outside the range, index %d", i).isEqualTo(y[i]);
            } else {
                assertThat((double) yv[i]).as("index %d", i).isCloseTo(ys[i], within(tolerance.applyAsDouble(i)));
            }
        }
    }

    static org.assertj.core.data.Offset<Double> within(double tolerance) {
        return org.assertj.core.data.Offset.offset(tolerance);
    }

    static float[] gaussian(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }
}
