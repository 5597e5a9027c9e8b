package io.quantserve.engine.linear;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.linear.bnb.Nf4Linears;
import io.quantserve.engine.linear.gguf.GgufLinears;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Prefill of packed layers (the base class's dequantized tiles, with the prompt on either side of the F32 matmul
 * depending on the token count) against the float product of the dequantized weight, token by token.
 */
class PackedPrefillTest {
    /** Relative to sum |w * x|: only the summation order differs. */
    private static final double TOLERANCE = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"q4_0", "q8_0", "awq4", "nf4"})
    void prefillMatchesTheDequantizedProductForEveryTokenCount(String format) {
        Random rnd = new Random(format.hashCode());
        // 301 rows: a last tile of 13 rows; 70 rows: a last tile of 6, below the tiled matmul's threshold;
        // 1024 inputs: decode batches (up to 16 tokens) cut the 301 rows into 3 cache-sized blocks
        for (int[] shape : new int[][] {{301, 256}, {70, 256}, {301, 1024}}) {
            int rows = shape[0];
            int in = shape[1];
            float[] w = gaussian(rnd, rows * in);
            PackedLinear layer = layer(format).apply(w, new int[] {rows, in});
            float[] dense = layer.dequantize();
            for (int tokens : new int[] {2, 9, 10, 16, 17, 31, 32, 40}) {
                float[] x = gaussian(rnd, tokens * in);
                float[] y = new float[tokens * rows];
                layer.apply(x, y, tokens);
                for (int t = 0; t < tokens; t++) {
                    for (int r = 0; r < rows; r++) {
                        double exact = 0;
                        double magnitude = 0;
                        for (int k = 0; k < in; k++) {
                            double p = (double) dense[r * in + k] * x[t * in + k];
                            exact += p;
                            magnitude += Math.abs(p);
                        }
                        assertThat(Math.abs(y[t * rows + r] - exact))
                                .as(format + " " + rows + " rows, " + tokens + " tokens, token " + t + " row " + r)
                                .isLessThanOrEqualTo(TOLERANCE * magnitude);
                    }
                }
            }
        }
    }

    /**
     * Batch invariance: a batch of decodes (up to 16 tokens, each through the decode kernel over blocks of rows cut
     * otherwise than a single decode cuts them) gives every token exactly the bits it gets alone, so batching and
     * speculative decoding never change a greedy output. Rows long enough for column slices (a ragged last one) and
     * for NF4's four-row passes, an odd row count.
     */
    @ParameterizedTest
    @ValueSource(strings = {"q4_0", "q8_0", "awq4", "nf4"})
    void decodeBatchesGiveEveryTokenTheBitsItGetsAlone(String format) {
        Random rnd = new Random(format.hashCode() + 1);
        for (int[] shape : new int[][] {{37, 8448}, {301, 1024}, {3, 256}}) {
            int rows = shape[0];
            int in = shape[1];
            PackedLinear layer = layer(format).apply(gaussian(rnd, rows * in), new int[] {rows, in});
            for (int tokens : new int[] {2, 3, 5, 8, 16}) {
                float[] x = gaussian(rnd, tokens * in);
                float[] y = new float[tokens * rows];
                layer.apply(x, y, tokens);
                for (int t = 0; t < tokens; t++) {
                    float[] alone = new float[rows];
                    layer.apply(java.util.Arrays.copyOfRange(x, t * in, (t + 1) * in), alone, 1);
                    assertThat(java.util.Arrays.copyOfRange(y, t * rows, (t + 1) * rows))
                            .as("%s %dx%d, token %d of %d", format, rows, in, t, tokens).containsExactly(alone);
                }
            }
        }
    }

    private static BiFunction<float[], int[], PackedLinear> layer(String format) {
        return switch (format) {
            case "q4_0" -> (w, s) -> GgufLinears.quantize(GgmlType.Q4_0, w, s[0], s[1]);
            case "q8_0" -> (w, s) -> GgufLinears.quantize(GgmlType.Q8_0, w, s[0], s[1]);
            case "awq4" -> (w, s) -> GroupIntLinear.quantize(w, s[0], s[1], 4, 128);
            case "nf4" -> (w, s) -> Nf4Linears.quantize(w, s[0], s[1]);
            default -> throw new IllegalArgumentException(format);
        };
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
