package io.quantserve.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * {@link LaneMath}: results fixed by the inputs alone. Each check runs often enough for the JIT to compile it (C1,
 * then C2) partway through, so a tier that computed otherwise than the interpreter would show.
 */
class LaneMathTest {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int ROUNDS = 60_000;

    @Test
    void sumAddsTheLanesPairwiseInEveryTier() {
        Random random = new Random(3);
        float[] x = new float[F.length()];
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian() * (1 << random.nextInt(12));
            }
            float expected = pairwise(x.clone(), x.length);
            float actual = LaneMath.sum(FloatVector.fromArray(F, x, 0));
            if (Float.floatToRawIntBits(actual) != Float.floatToRawIntBits(expected)) {
                throw new AssertionError("round " + round + ": " + actual + " != " + expected);
            }
        }
    }

    @Test
    void expIsWithinTwoUlpOfMathExpAndTheSameInEveryTier() {
        Random random = new Random(5);
        float[] x = new float[F.length()];
        float[] first = null;
        float[] fixed = new float[F.length()];
        for (int i = 0; i < fixed.length; i++) {
            fixed[i] = -80f + 160f * i / fixed.length;
        }
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextFloat() * 174f - 87f;
            }
            float[] y = LaneMath.exp(FloatVector.fromArray(F, x, 0)).toArray();
            for (int i = 0; i < x.length; i++) {
                double exact = Math.exp(x[i]);
                assertThat(Math.abs(y[i] - exact)).as("exp(%s)", x[i]).isLessThanOrEqualTo(2 * Math.ulp((float) exact));
            }
            float[] again = LaneMath.exp(FloatVector.fromArray(F, fixed, 0)).toArray();
            if (first == null) {
                first = again;
            } else if (!java.util.Arrays.equals(first, again)) {
                throw new AssertionError("round " + round + ": exp of the same lanes changed");
            }
        }
    }

    @Test
    void expAtTheEdges() {
        float[] x = new float[F.length()];
        java.util.Arrays.fill(x, 0f);
        x[0] = Float.NaN;
        x[1] = 100f;
        x[2] = Float.POSITIVE_INFINITY;
        x[3] = -100f;
        x[4 % x.length] = Float.NEGATIVE_INFINITY;
        float[] y = LaneMath.exp(FloatVector.fromArray(F, x, 0)).toArray();
        assertThat(y[0]).isNaN();
        assertThat(y[1]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[2]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[3]).isBetween(0f, 2e-38f);
        if (x.length > 4) {
            assertThat(y[4]).isBetween(0f, 2e-38f);
            assertThat(y[5]).isEqualTo(1f);
        }
    }

    private static float pairwise(float[] v, int n) {
        for (int half = n / 2; half >= 1; half /= 2) {
            for (int i = 0; i < half; i++) {
                v[i] += v[i + half];
            }
        }
        return v[0];
    }
}
