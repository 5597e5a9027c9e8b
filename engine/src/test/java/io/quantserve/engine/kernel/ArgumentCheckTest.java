package io.quantserve.engine.kernel;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.tensor.DType;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The front door rejects bad sizes with a message naming the operation, the argument and the numbers. */
class ArgumentCheckTest {
    private final VectorOps ops = VectorOps.get();
    private final TestWeights w = TestWeights.random(DType.F32, 4, 8, new Random(1));

    @Test
    void matmulSizes() {
        assertThatThrownBy(() -> ops.matmul(w.matrix(), new float[15], new float[8], 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x has length 15").hasMessageContaining("2 * 8 = 16");
        assertThatThrownBy(() -> ops.matmul(w.matrix(), new float[16], new float[7], 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y has length 7");
        assertThatThrownBy(() -> ops.matmul(w.matrix(), new float[16], new float[8], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tokens must be >= 1");
    }

    @Test
    void rangesAndLengths() {
        float[] a = new float[10];
        assertThatThrownBy(() -> ops.dot(a, 3, a, 0, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dot: a[3, 11) is out of bounds for length 10");
        assertThatThrownBy(() -> ops.axpy(1f, a, -1, a, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("axpy: x[-1, 1)");
        assertThatThrownBy(() -> ops.add(a, 0, a, 0, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length must be >= 0, got -1");
        assertThatThrownBy(() -> ops.rmsnorm(a, 0, a, 0, new float[4], 5, 1e-5f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rmsnorm: weight[0, 5)");
        assertThatThrownBy(() -> ops.softmax(a, 9, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("softmax: x[9, 11)");
        assertThatThrownBy(() -> ops.siluMul(a, 0, new float[3], 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("siluMul: up[0, 4)");
    }

    @Test
    void rope() {
        float[] x = new float[8];
        assertThatThrownBy(() -> ops.rope(x, 0, 7, new float[4], new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("headDim must be even, got 7");
        assertThatThrownBy(() -> ops.rope(x, 0, 8, new float[4], new float[3], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rope: sin[0, 4)");
    }

    @Test
    void attention() {
        float[] q = new float[4];
        float[] cache = new float[3 * 8];
        assertThatThrownBy(() -> ops.attention(q, 0, cache, cache, 4, 8, 4, 4, 1f, new float[4], new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keys needs [4, 32) for len 4 and kvStride 8, but has length 24");
        assertThatThrownBy(() -> ops.attention(q, 0, cache, cache, 4, 8, 3, 4, 1f, new float[2], new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attention: scores[0, 3)");
        assertThatThrownBy(() -> ops.attention(q, 0, cache, cache, 0, -1, 3, 4, 1f, new float[3], new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kvStride must be >= 0");
    }
}
