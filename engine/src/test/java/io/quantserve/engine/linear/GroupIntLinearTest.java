package io.quantserve.engine.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The vector decode kernel against its scalar twin and against the dequantized weights, at awkward sizes. */
class GroupIntLinearTest {

    @ParameterizedTest(name = "bits={0} out={1} in={2} group={3} shuffled={4}")
    @CsvSource({
        "4, 1, 16, 16, false", "4, 7, 33, -1, false", "4, 33, 172, -1, false", "4, 5, 176, 16, true",
        "4, 9, 1000, 8, false", "4, 3, 4097, -1, false", "4, 17, 1024, 128, true", "4, 4, 352, 32, true",
        "8, 7, 33, -1, false", "8, 13, 172, 4, true", "8, 3, 1000, 40, false", "8, 5, 4097, -1, true",
        "2, 1, 7, -1, false", "2, 9, 172, -1, true", "2, 6, 1000, 100, false", "2, 3, 4096, 256, true",
        "4, 5, 256, 128, false", "8, 3, 192, 32, false", "2, 4, 512, 64, false",
        "4, 6, 1024, 256, true", "4, 7, 512, -1, false", // groups of two and four whole blocks
        // 4-bit rows in column slices of 4096 positions: whole slices, a last slice of 22 or 1 blocks; 8 and 2 bits whole
        "4, 11, 8192, 128, true", "4, 6, 8192, 256, false", "4, 9, 11008, 128, true", "4, 4, 4224, 128, false",
        "8, 5, 8192, 128, true", "2, 3, 9000, -1, false"})
    void vectorKernelMatchesScalarTwinAndDequantizedWeights(int bits, int out, int in, int groupSize, boolean shuffled) {
        Random rnd = new Random(bits * 7919 + out * 31 + in);
        GroupIntLinear layer = randomLayer(bits, out, in, groupSize, shuffled, rnd);
        float[] x = new float[in];
        for (int k = 0; k < in; k++) {
            x[k] = (float) rnd.nextGaussian();
        }
        float[] xp = new float[layer.inputAt.length];
        float[] xsum = new float[layer.groups()];
        layer.prepare(x, 0, xp, xsum);
        float[] scalar = new float[out];
        float[] vector = new float[out];
        layer.matvecScalar(xp, xsum, scalar, 0, 0, out);
        layer.matvecVector(xp, xsum, vector, 0, 0, out);

        float[] w = layer.dequantize();
        float[] applied = new float[out];
        layer.apply(x, applied, 1);
        for (int o = 0; o < out; o++) {
            double exact = 0;
            double magnitude = 0;
            for (int k = 0; k < in; k++) {
                exact += (double) w[o * in + k] * x[k];
                magnitude += Math.abs((double) w[o * in + k] * x[k]);
            }
            // float summation of ~in terms, plus the cancellation of the scaled-zero term: a few ulps of the
            // magnitude of the terms per group
            double tolerance = 1e-5 * magnitude + 1e-6;
            assertThat((double) scalar[o]).as("scalar row %d", o).isCloseTo(exact, org.assertj.core.data.Offset.offset(tolerance));
            assertThat((double) vector[o]).as("vector row %d", o).isCloseTo(exact, org.assertj.core.data.Offset.offset(tolerance));
            assertThat((double) applied[o]).as("apply row %d", o).isCloseTo(exact, org.assertj.core.data.Offset.offset(tolerance));
        }

        // the vector tile dequantizer (prefill) gives the reference values exactly where the layout allows it
        if (layer.contiguous && out > 2) {
            float[] tile = new float[(out - 2) * in];
            GroupIntKernels.dequantize(layer, 1, out - 1, tile);
            assertThat(tile).as("vector tile").containsExactly(java.util.Arrays.copyOfRange(w, in, (out - 1) * in));
        }

        // a sub-range of rows written at an offset, as the threads call it
        if (out > 2) {
            float[] part = new float[out + 3];
            layer.matvecRows(x, 0, part, 3, 1, out - 1);
            for (int o = 1; o < out - 1; o++) {
                // rows pair up differently over a sub-range (the 4-bit kernel runs two rows per pass), and a row's
                // lanes may be reduced by compiled or interpreted code: equal up to the rounding of the sum's terms
                double magnitude = 0;
                for (int k = 0; k < in; k++) {
                    magnitude += Math.abs((double) w[o * in + k] * x[k]);
                }
                assertThat((double) part[3 + o - 1]).as("sub-range row %d", o)
                        .isCloseTo(applied[o], org.assertj.core.data.Offset.offset(1e-5 * magnitude + 1e-6));
            }
        }
    }

    @Test
    void prefillOfSeveralTokensMatchesDecodeOfEach() {
        Random rnd = new Random(5);
        GroupIntLinear layer = randomLayer(4, 70, 352, 32, true, rnd);
        int tokens = 5;
        float[] x = new float[tokens * 352];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] batch = new float[tokens * 70];
        layer.apply(x, batch, tokens);
        for (int t = 0; t < tokens; t++) {
            float[] one = new float[70];
            layer.apply(java.util.Arrays.copyOfRange(x, t * 352, (t + 1) * 352), one, 1);
            for (int o = 0; o < 70; o++) {
                assertThat(batch[t * 70 + o]).isCloseTo(one[o], org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    /**
     * Every batch size from one decode to one past the largest batch of decodes (per-token kernel over row blocks), so
     * both the batch path and the tiled prefill path, against the dequantized weights.
     */
    @ParameterizedTest(name = "bits={0} out={1} in={2} group={3} shuffled={4}")
    @CsvSource({
        "4, 37, 384, 128, false", "4, 1, 128, 128, false", "4, 5, 1024, 128, true", "4, 19, 1016, -1, false",
        "4, 3, 640, -1, true", "4, 11, 352, 32, true", "8, 7, 256, 128, false", "2, 6, 1000, 100, false"})
    void batchOfTokensMatchesDequantizedWeights(int bits, int out, int in, int groupSize, boolean shuffled) {
        Random rnd = new Random(bits * 31 + out * 7 + in);
        GroupIntLinear layer = randomLayer(bits, out, in, groupSize, shuffled, rnd);
        float[] w = layer.dequantize();
        for (int tokens = 1; tokens <= 17; tokens++) {
            float[] x = new float[tokens * in];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            float[] y = new float[tokens * out];
            layer.apply(x, y, tokens);
            for (int t = 0; t < tokens; t++) {
                for (int o = 0; o < out; o++) {
                    double exact = 0;
                    double magnitude = 0;
                    for (int k = 0; k < in; k++) {
                        exact += (double) w[o * in + k] * x[t * in + k];
                        magnitude += Math.abs((double) w[o * in + k] * x[t * in + k]);
                    }
                    assertThat((double) y[t * out + o]).as("%d tokens: token %d row %d", tokens, t, o)
                            .isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-5 * magnitude + 1e-6));
                }
            }
        }
    }

    @Test
    void quantizeRoundsEachWeightToWithinHalfAStep() {
        Random rnd = new Random(3);
        int out = 12;
        int in = 256;
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * 0.02f;
        }
        GroupIntLinear layer = GroupIntLinear.quantize(w, out, in, 4, 128);
        float[] back = layer.dequantize();
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < 2; g++) {
                float step = layer.scales[o * 2 + g];
                for (int k = g * 128; k < (g + 1) * 128; k++) {
                    assertThat(back[o * in + k]).isCloseTo(w[o * in + k], org.assertj.core.data.Offset.offset(step * 0.5001f));
                }
            }
        }
    }

    @Test
    void fourBitGroup128CostsFourAndAHalfBitsPerWeight() {
        GroupIntLinear layer = GroupIntLinear.quantize(new float[64 * 4096], 64, 4096, 4, 128);
        assertThat(layer.weightBytes() * 8.0 / (64 * 4096)).isEqualTo(4.5);
    }

    @Test
    void quantizeRejectsAGroupThatDoesNotDivide() {
        assertThatThrownBy(() -> GroupIntLinear.quantize(new float[4 * 100], 4, 100, 4, 64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("group_size 64 does not divide in_features 100");
        assertThatThrownBy(() -> GroupIntLinear.quantize(new float[4 * 64], 4, 64, 3, 64))
                .hasMessageContaining("bits 3 is not supported");
    }

    /** Random integers, scales and zeros in a (possibly act-order) grouping. */
    static GroupIntLinear randomLayer(int bits, int out, int in, int groupSize, boolean shuffled, Random rnd) {
        int width = groupSize == -1 ? in : groupSize;
        int groups = (in + width - 1) / width;
        int[] groupOf = shuffled ? RtnQuantized.shuffledGroups(in, width, rnd) : new int[in];
        if (!shuffled) {
            for (int k = 0; k < in; k++) {
                groupOf[k] = k / width;
            }
        }
        int maxq = (1 << bits) - 1;
        GroupIntLinear.Builder b = GroupIntLinear.builder("test", out, in, bits, groups, groupOf, null);
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < groups; g++) {
                b.group(o, g, RtnQuantized.fp16((float) Math.exp(rnd.nextGaussian()) * 0.01f), rnd.nextInt(maxq + 1));
            }
            for (int k = 0; k < in; k++) {
                b.quant(o, k, rnd.nextInt(maxq + 1));
            }
        }
        return b.build();
    }
}
