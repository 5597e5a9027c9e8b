package io.quantserve.engine.linear.bnb;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.kernel.VectorOps;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The NF4 kernels against the scalar reference, and the bit layout against hand-made bytes. */
class Nf4LinearTest {
    private static final int[] SIZES = {1, 7, 33, 64, 172, 192, 1000, 1024, 1536, 8192};

    @ParameterizedTest
    @ValueSource(ints = {32, 64, 128, 256})
    void vectorMatvecMatchesScalarAtAwkwardSizes(int blocksize) {
        Random rnd = new Random(blocksize);
        for (int rows : new int[] {1, 7, 33}) {
            for (int cols : SIZES) {
                Nf4Linear layer = Nf4Linears.quantize(gaussian(rnd, rows * cols), rows, cols, blocksize);
                float[] x = gaussian(rnd, cols + 3);
                float[] expected = new float[rows];
                float[] actual = new float[rows + 2];
                layer.matvecRowsScalar(x, 3, expected, 0, 0, rows);
                layer.matvecRows(x, 3, actual, 2, 0, rows); // vector where the JVM has it
                float[] buffered = new float[rows];
                layer.matvecViaRowBuffer(x, 3, buffered, 0, 0, rows);
                float[] w = layer.dequantize();
                double[] magnitude = new double[rows];
                for (int r = 0; r < rows; r++) {
                    double scale = 0;
                    for (int k = 0; k < cols; k++) {
                        scale += Math.abs(w[r * cols + k] * x[3 + k]);
                    }
                    magnitude[r] = scale;
                    String where = rows + "x" + cols + " blocksize " + blocksize + " row " + r;
                    assertThat((double) actual[2 + r]).as(where).isCloseTo(expected[r],
                            org.assertj.core.data.Offset.offset(1e-5 * scale + 1e-30));
                    assertThat((double) buffered[r]).as(where).isCloseTo(expected[r],
                            org.assertj.core.data.Offset.offset(1e-5 * scale + 1e-30));
                }
                if (PanamaNf4.supports(cols, blocksize) && VectorOps.get().name().startsWith("vector")) {
                    float[] direct = new float[rows];
                    float[] xs = PanamaNf4.evenOdd(x, 3, cols);
                    PanamaNf4.matvecRows(layer.packed(), layer.absmax(), blocksize, cols, xs, direct, 0, 0, rows);
                    // the same kernel; its lanes may be reduced by compiled or interpreted code, so equal up to the
                    // rounding of the sum (an exact comparison failed once: -5.5464897 against -5.5464926)
                    for (int r = 0; r < rows; r++) {
                        assertThat((double) direct[r]).as(rows + "x" + cols + " row " + r)
                                .isCloseTo(actual[2 + r], org.assertj.core.data.Offset.offset(1e-6 * magnitude[r] + 1e-30));
                    }
                    if (rows > 2) { // the prefill tile dequantizer gives the reference values exactly
                        float[] tile = new float[(rows - 2) * cols];
                        PanamaNf4.dequantize(layer.packed(), layer.absmax(), blocksize, cols, 1, rows - 1, tile);
                        assertThat(tile).as("tile " + rows + "x" + cols)
                                .containsExactly(java.util.Arrays.copyOfRange(w, cols, (rows - 1) * cols));
                    }
                }
            }
        }
    }

    @Test
    void applyMatchesTheDequantizedWeightsForOneToNineTokens() {
        Random rnd = new Random(3);
        for (int[] shape : new int[][] {{7, 172}, {33, 64}, {40, 1000}, {1, 33}}) {
            int out = shape[0];
            int in = shape[1];
            Nf4Linear layer = Nf4Linears.quantize(gaussian(rnd, out * in), out, in);
            float[] w = layer.dequantize();
            for (int tokens = 1; tokens <= 9; tokens++) {
                float[] x = gaussian(rnd, tokens * in);
                float[] y = new float[tokens * out];
                layer.apply(x, y, tokens);
                for (int t = 0; t < tokens; t++) {
                    for (int r = 0; r < out; r++) {
                        double exact = 0;
                        double scale = 0;
                        for (int k = 0; k < in; k++) {
                            exact += (double) w[r * in + k] * x[t * in + k];
                            scale += Math.abs((double) w[r * in + k] * x[t * in + k]);
                        }
                        assertThat((double) y[t * out + r]).as(out + "x" + in + " tokens " + tokens)
                                .isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-5 * scale + 1e-30));
                    }
                }
            }
        }
    }

    @Test
    void evenElementsAreInTheHighNibble() {
        // one byte, two weights: 0x7F = code 7 (0.0) first, code 15 (1.0) second; absmax 2
        MemorySegment packed = MemorySegment.ofArray(new byte[] {0x7F, (byte) 0xF0, 0x0E});
        // 0x0E: code 0 (-1.0) then code 14
        Nf4Linear layer = new Nf4Linear(3, 2, null, packed.asSlice(0, 3), new float[] {2f}, 64);
        assertThat(layer.dequantize()).containsExactly(0f, 2f, 2f, -2f, -2f, 2 * Nf4.CODES[14]);
    }

    @Test
    void quantizedCodesAreTheNearestNf4Values() {
        float[] w = {0.5f, -1f, 0.05f, 0.03f, -0.3f, 0.999f};
        Nf4Linear layer = Nf4Linears.quantize(w, 1, w.length, 64);
        float[] back = layer.dequantize();
        for (int i = 0; i < w.length; i++) {
            float best = Float.MAX_VALUE;
            for (float c : Nf4.CODES) {
                best = Math.min(best, Math.abs(c - w[i]));
            }
            assertThat(Math.abs(back[i] - w[i])).as("w[" + i + "] = " + w[i]).isLessThanOrEqualTo(best + 1e-7f);
        }
    }

    static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
