package io.quantserve.engine.linear.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.linear.PackedLinear;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The vector kernels against the scalar reference (dequantize, then dot) on random blocks, at awkward sizes. */
class GgufLinearTest {
    private static final double TOLERANCE = 1e-5; // relative to sum |w * x|: only summation order differs

    /** Random blocks whose f16 scale fields hold sane values (random bytes there could be Inf or NaN). */
    static MemorySegment randomBlocks(GgmlType type, int rows, int in, long seed) {
        Random rnd = new Random(seed);
        int blocks = rows * (in / type.blockElements());
        byte[] b = new byte[blocks * type.blockBytes()];
        rnd.nextBytes(b);
        for (int k = 0; k < blocks; k++) {
            int at = k * type.blockBytes();
            switch (type) {
                case Q8_0, Q4_0 -> f16(b, at, (float) rnd.nextGaussian() * 0.01f);
                case Q4_K, Q5_K -> {
                    f16(b, at, rnd.nextFloat() * 0.01f);
                    f16(b, at + 2, rnd.nextFloat() * 0.01f);
                }
                case Q6_K -> f16(b, at + 208, rnd.nextFloat() * 0.01f);
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return MemorySegment.ofArray(b);
    }

    private static void f16(byte[] b, int at, float v) {
        short h = Float.floatToFloat16(v);
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >> 8);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void vectorMatvecMatchesScalarDequantizeAndDot(GgmlType type) {
        int block = type.blockElements();
        for (int rows : new int[] {1, 7, 33, 100}) {
            // then long rows (9600 and 9472 columns, as the down projections of 7B-class models; Q4_0 in column
            // slices of 4096, the last 1408 wide) and, for Q4_0, a last slice of one padded super-block (4128)
            for (int in : new int[] {block, 3 * block, (block == 32 ? 43 : 5) * block, (block == 32 ? 300 : 37) * block,
                (block == 32 ? 129 : 17) * block}) {
                MemorySegment w = randomBlocks(type, rows, in, rows * 31L + in);
                GgufLinear linear = new GgufLinear(type, w, in, rows, null);
                float[] x = new float[in + 3];
                Random rnd = new Random(in);
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rnd.nextGaussian();
                }
                float[] dense = linear.dequantize();
                float[] y = new float[rows + 2];
                // an offset into x and y, and a sub-range of rows, as the threaded decode calls it
                int r0 = rows > 2 ? 1 : 0;
                linear.matvecRows(x, 3, y, 2, r0, rows); // the vector kernel where this JVM has one
                for (int r = r0; r < rows; r++) {
                    double exact = 0;
                    double magnitude = 0;
                    for (int k = 0; k < in; k++) {
                        exact += (double) dense[r * in + k] * x[3 + k];
                        magnitude += Math.abs((double) dense[r * in + k] * x[3 + k]);
                    }
                    assertThat(Math.abs(y[2 + r - r0] - exact)).as(type + " " + rows + "x" + in + " row " + r)
                            .isLessThanOrEqualTo(TOLERANCE * magnitude + 1e-30);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void vectorTileDequantizerGivesTheScalarValuesExactly(GgmlType type) {
        for (int in : new int[] {32, 96, 43 * 32, 129 * 32, 300 * 32}) {
            int rows = 7;
            GgufLinear linear = new GgufLinear(type, randomBlocks(type, rows, in, in), in, rows, null);
            float[] scalar = new float[5 * in];
            float[] vector = new float[5 * in];
            linear.dequantizeRows(1, 6, scalar);
            linear.dequantizeTileVector(1, 6, vector);
            assertThat(vector).as(type + " in " + in).containsExactly(scalar);
        }
    }

    @Test
    void repackedQ4_0DequantizesToGgmlsValues() {
        // the repacked layout against ggml's reader of the original blocks, including rows padded to whole
        // four-block super-blocks (1, 3, 5 and 43 blocks)
        for (int in : new int[] {32, 96, 160, 43 * 32}) {
            int rows = 5;
            MemorySegment w = randomBlocks(GgmlType.Q4_0, rows, in, in + 1);
            GgufLinear linear = new GgufLinear(GgmlType.Q4_0, w, in, rows, null);
            float[] expected = new float[rows * in];
            for (int r = 0; r < rows; r++) {
                io.quantserve.engine.format.gguf.GgmlDequantizer.dequantize(GgmlType.Q4_0, w,
                        r * GgmlType.Q4_0.byteSize(in), expected, r * in, in);
            }
            assertThat(linear.dequantize()).as("in " + in).containsExactly(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void decodeAndPrefillAgreeAndAddTheBias(GgmlType type) {
        // enough rows that decode splits them across threads (and prefill across 32-row tiles)
        int rows = 301;
        int in = 256;
        float[] bias = new float[rows];
        for (int r = 0; r < rows; r++) {
            bias[r] = r * 0.5f;
        }
        GgufLinear linear = new GgufLinear(type, randomBlocks(type, rows, in, 5), in, rows, bias);
        int tokens = 3;
        float[] x = new float[tokens * in];
        Random rnd = new Random(9);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] batch = new float[tokens * rows];
        linear.apply(x, batch, tokens);
        for (int t = 0; t < tokens; t++) {
            float[] one = new float[rows];
            linear.apply(java.util.Arrays.copyOfRange(x, t * in, (t + 1) * in), one, 1);
            for (int r = 0; r < rows; r++) {
                assertThat(one[r]).as("token " + t + " row " + r)
                        .isCloseTo(batch[t * rows + r], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(one[r]))));
            }
        }
    }

    @Test
    void quantizedFromFloatsStaysCloseToTheFloatProduct() {
        int rows = 64;
        int in = 256;
        float[] w = new float[rows * in];
        Random rnd = new Random(2);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * 0.02f;
        }
        float[] x = new float[in];
        for (int i = 0; i < in; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0}) {
            PackedLinear q = GgufLinears.quantize(type, w, rows, in);
            assertThat(q.weightBytes()).isEqualTo(rows * type.byteSize(in));
            float[] y = new float[rows];
            q.apply(x, y, 1);
            double err = 0;
            double norm = 0;
            for (int r = 0; r < rows; r++) {
                double exact = 0;
                for (int k = 0; k < in; k++) {
                    exact += (double) w[r * in + k] * x[k];
                }
                err += (y[r] - exact) * (y[r] - exact);
                norm += exact * exact;
            }
            // relative RMS error of the product: about 1% for 8 bits, about 10% for 4 bits with 32-element blocks
            assertThat(Math.sqrt(err / norm)).as(type.toString()).isLessThan(type == GgmlType.Q8_0 ? 0.01 : 0.15);
        }
    }

    @Test
    void rejectsShapesThatAreNotWholeBlocks() {
        assertThatThrownBy(() -> new GgufLinear(GgmlType.Q8_0, MemorySegment.ofArray(new byte[34]), 33, 1, null))
                .hasMessageContaining("33 is not a multiple of the Q8_0 block size 32");
        assertThatThrownBy(() -> new GgufLinear(GgmlType.Q8_0, MemorySegment.ofArray(new byte[34]), 32, 2, null))
                .hasMessageContaining("needs 68 bytes, got 34");
        assertThatThrownBy(() -> new GgufLinear(GgmlType.Q2_K, MemorySegment.ofArray(new byte[84]), 256, 1, null))
                .hasMessageContaining("no packed kernel for Q2_K");
    }
}
