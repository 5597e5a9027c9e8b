package io.quantserve.engine.linear.compressed;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.kernel.VectorOps;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The int8 kernels against the scalar reference (exactly: both are integer sums), and the activation quantizer. */
class W8A8LinearTest {
    private static final int[] SIZES = {1, 7, 33, 172, 1000, 4097};

    @Test
    void vectorDotIsExactlyTheScalarDot() {
        Assumptions.assumeTrue(VectorOps.get().name().startsWith("vector"), "vector kernels not in use");
        Random rnd = new Random(5);
        for (int n : SIZES) {
            byte[] w = new byte[n + 5];
            short[] x = new short[n + 3];
            for (int i = 0; i < w.length; i++) {
                w[i] = (byte) (rnd.nextInt(256) - 128); // includes -128
            }
            for (int i = 0; i < x.length; i++) {
                x[i] = (short) (rnd.nextInt(255) - 127);
            }
            w[5] = -128;
            x[3] = -127;
            MemorySegment seg = MemorySegment.ofArray(w);
            assertThat(PanamaW8A8.dot(seg, 5, x, 3, n)).as("n=" + n)
                    .isEqualTo(W8A8Linear.dotScalar(seg, 5, x, 3, n));
        }
    }

    @Test
    void applyMatchesScalarRowsForOneToNineTokens() {
        Random rnd = new Random(9);
        for (int out : new int[] {1, 7, 33}) {
            for (int in : SIZES) {
                float[] wf = new float[out * in];
                for (int i = 0; i < wf.length; i++) {
                    wf[i] = (float) rnd.nextGaussian();
                }
                W8A8Linear layer = W8A8Linears.quantize(wf, out, in);
                for (int tokens = 1; tokens <= 9; tokens += 4) {
                    float[] x = new float[tokens * in];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) rnd.nextGaussian();
                    }
                    float[] y = new float[tokens * out];
                    layer.apply(x, y, tokens);
                    short[] q = new short[tokens * in];
                    float[] scales = new float[tokens];
                    for (int t = 0; t < tokens; t++) {
                        scales[t] = W8A8Linears.quantizeActivations(x, t * in, in, q, t * in);
                    }
                    float[] expected = new float[tokens * out];
                    layer.rows(q, scales, expected, tokens, 0, out, false);
                    assertThat(y).as(out + "x" + in + " tokens " + tokens).containsExactly(expected);
                }
            }
        }
    }

    @Test
    void activationsAreRoundedHalfEvenAgainstTheTokenMaximum() {
        float[] x = {-2.54f, 1.27f, 0.01f, 0.03f, 0f, 0.5f * 2.54f / 127f * 3}; // last: exactly 1.5 steps
        short[] q = new short[x.length];
        float scale = W8A8Linears.quantizeActivations(x, 0, x.length, q, 0);
        assertThat(scale).isEqualTo(2.54f / 127f);
        assertThat(q[0]).isEqualTo((short) -127);
        assertThat(q[1]).isEqualTo((short) Math.rint(1.27f * (127f / 2.54f)));
        assertThat(q[4]).isZero();
        float[] zeros = new float[4];
        assertThat(W8A8Linears.quantizeActivations(zeros, 0, 4, q, 0)).isZero();
        assertThat(q[0]).isZero();
    }

    @Test
    void weightsQuantizePerChannelToTheHalfRange() {
        float[] w = {1f, -0.5f, 0.25f, /* row 2 */ -2f, 1f, 0f};
        W8A8Linear layer = W8A8Linears.quantize(w, 2, 3);
        float[] back = layer.dequantizeWeight();
        // scale = max / 127.5: every weight within half a step, the extreme at 127 or 128 steps
        float[] scale = {1f / 127.5f, 2f / 127.5f};
        for (int i = 0; i < w.length; i++) {
            assertThat(Math.abs(back[i] - w[i])).as("w[" + i + "]").isLessThanOrEqualTo(scale[i / 3] * 0.5f + 1e-7f);
        }
        assertThat(Math.round(back[0] / scale[0])).isEqualTo(127);
        assertThat(Math.round(back[3] / scale[1])).isBetween(-128, -127);
        assertThat(back[5]).isZero();
    }
}
