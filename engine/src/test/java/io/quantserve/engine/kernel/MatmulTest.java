package io.quantserve.engine.kernel;

import static io.quantserve.engine.kernel.VectorOpsTest.gaussian;
import static io.quantserve.engine.kernel.VectorOpsTest.within;
import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * matmul of both implementations against a double-precision reference over the stored (already rounded) weights,
 * so the only error allowed is float summation: 1e-5 of the sum of |w * x| terms of each output.
 */
class MatmulTest {
    private static final int[] ROWS = {1, 7, 33, 172, 1000};
    private static final int[] COLS = {1, 7, 33, 172, 1000};
    /** Around the vector-tile and token-tile edges of both the dot-product and the tiled (gemm) paths. */
    private static final int[] TOKENS = {1, 2, 3, 4, 5, 7, 8, 9, 17, 33};

    static Stream<Arguments> shapes() {
        List<Arguments> all = new ArrayList<>();
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            for (int tokens : TOKENS) {
                for (int rows : ROWS) {
                    for (int cols : COLS) {
                        all.add(Arguments.of(dtype, tokens, rows, cols));
                    }
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} tokens={1} {2}x{3}")
    @MethodSource("shapes")
    void matchesDoubleReference(DType dtype, int tokens, int rows, int cols) {
        Random rnd = new Random(dtype.ordinal() * 1_000_003L + tokens * 10_007L + rows * 101L + cols);
        TestWeights w = TestWeights.random(dtype, rows, cols, rnd);
        float[] x = gaussian(rnd, tokens * cols);
        assertMatchesReference(w, x, tokens, VectorOps.scalar());
        assertMatchesReference(w, x, tokens, VectorOps.vector());
    }

    /**
     * The tiled prefill path at every size, whatever {@link PanamaGemm#MIN_TOKENS} routes to it, with the rows split
     * at a boundary that is not a multiple of the row tile, as the thread pool splits them.
     */
    @ParameterizedTest(name = "{0} tokens={1} {2}x{3}")
    @MethodSource("shapes")
    void gemmMatchesDoubleReference(DType dtype, int tokens, int rows, int cols) {
        Random rnd = new Random(dtype.ordinal() * 1_000_003L + tokens * 10_007L + rows * 101L + cols + 7);
        assertGemmMatchesReference(TestWeights.random(dtype, rows, cols, rnd), gaussian(rnd, tokens * cols), tokens);
    }

    /** Enough tokens that xT is split into several k blocks, with a BF16 tail of columns after the last pair block. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dtypes")
    void gemmAcrossColumnBlocks(DType dtype) {
        Random rnd = new Random(dtype.ordinal());
        assertGemmMatchesReference(TestWeights.random(dtype, 13, 2100, rnd), gaussian(rnd, 300 * 2100), 300);
    }

    static Stream<DType> dtypes() {
        return Stream.of(DType.F32, DType.BF16, DType.F16);
    }

    private static void assertGemmMatchesReference(TestWeights w, float[] x, int tokens) {
        int rows = w.matrix().rows();
        float[] y = new float[tokens * rows];
        Parallel.IntRangeBody body = PanamaGemm.body(w.matrix(), x, y, tokens);
        int split = rows / 3 + 1;
        body.run(0, Math.min(split, rows));
        body.run(Math.min(split, rows), rows);
        assertMatchesReference(w, x, y, tokens, "gemm");
    }

    /** Several model instances share the kernels and the pool; results must not bleed between callers. */
    @Test
    void concurrentCallersGetTheirOwnResults() throws Exception {
        Random rnd = new Random(42);
        TestWeights w = TestWeights.random(DType.BF16, 300, 512, rnd);
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                float[] x = gaussian(new Random(c), 3 * 512);
                done.add(callers.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        assertMatchesReference(w, x, 3, VectorOps.get());
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void vectorBf16WideningIsExactForEveryBitPattern() {
        var layout = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        MemorySegment seg = Arena.ofAuto().allocate(2 * 65536);
        for (int i = 0; i < 65536; i++) {
            seg.setAtIndex(layout, i, (short) i);
        }
        // the tile widening of the GEMM, the same two lane operations as the decode loops: each block of 2L
        // columns comes out as [even columns | odd columns]
        int lanes = PanamaKernels.F.length();
        float[] wide = new float[65536];
        PanamaGemm.widen(new WeightMatrix(seg, DType.BF16, 1, 65536), 0, 0, 65536, wide, 0);
        for (int i = 0; i < 65536; i += 2 * lanes) {
            for (int j = 0; j < lanes; j++) {
                assertWidened((short) (i + 2 * j), wide[i + j]);
                assertWidened((short) (i + 2 * j + 1), wide[i + lanes + j]);
            }
        }
    }

    /** NaN payloads may differ; every other value must match to the bit, signed zeros and subnormals included. */
    private static void assertWidened(short bits, float got) {
        float want = ScalarKernels.bf16ToFloat(bits);
        if (Float.isNaN(want)) {
            assertThat(got).as("bits %04x", bits).isNaN();
        } else {
            assertThat(Float.floatToRawIntBits(got)).as("bits %04x", bits).isEqualTo(Float.floatToRawIntBits(want));
        }
    }

    private static void assertMatchesReference(TestWeights w, float[] x, int tokens, VectorOps ops) {
        WeightMatrix m = w.matrix();
        int rows = m.rows();
        int cols = m.cols();
        float[] y = new float[tokens * rows];
        ops.matmul(m, x, y, tokens);
        assertMatchesReference(w, x, y, tokens, ops.name());
    }

    private static void assertMatchesReference(TestWeights w, float[] x, float[] y, int tokens, String name) {
        WeightMatrix m = w.matrix();
        int rows = m.rows();
        int cols = m.cols();
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                double exact = 0;
                double magnitude = 0;
                for (int k = 0; k < cols; k++) {
                    double term = (double) w.values()[r * cols + k] * x[t * cols + k];
                    exact += term;
                    magnitude += Math.abs(term);
                }
                assertThat((double) y[t * rows + r]).as("%s %s t=%d r=%d", name, m.dtype(), t, r)
                        .isCloseTo(exact, within(1e-5 * magnitude));
            }
        }
    }
}
