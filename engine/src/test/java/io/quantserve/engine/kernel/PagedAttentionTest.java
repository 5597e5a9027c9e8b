package io.quantserve.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Attention through a scrambled block table gives the same bits as over the same positions stored contiguously. */
class PagedAttentionTest {
    private static final int BLOCK = 4;
    private static final int KV_DIM = 12; // three heads of 4
    private static final int HEAD_DIM = 4;
    private static final int[] TABLE = {5, 2, 7, 0, 3}; // position p in block TABLE[p / BLOCK]

    @ParameterizedTest
    @CsvSource({"0, 1", "0, 17", "3, 9", "4, 4", "6, 14"})
    void shouldMatchContiguousAttention(int first, int len) {
        Random random = new Random(first * 31L + len);
        float[] keys = new float[TABLE.length * BLOCK * KV_DIM];    // contiguous [positions * kvDim]
        float[] values = new float[keys.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (float) random.nextGaussian();
            values[i] = (float) random.nextGaussian();
        }
        float[] pagedKeys = new float[8 * BLOCK * KV_DIM];          // [numBlocks * blockSize * kvDim]
        float[] pagedValues = new float[pagedKeys.length];
        for (int p = 0; p < TABLE.length * BLOCK; p++) {
            int slot = TABLE[p / BLOCK] * BLOCK + p % BLOCK;
            System.arraycopy(keys, p * KV_DIM, pagedKeys, slot * KV_DIM, KV_DIM);
            System.arraycopy(values, p * KV_DIM, pagedValues, slot * KV_DIM, KV_DIM);
        }
        float[] q = new float[HEAD_DIM];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) random.nextGaussian();
        }
        int headOff = HEAD_DIM; // the second head
        for (VectorOps ops : new VectorOps[] {VectorOps.scalar(), VectorOps.vector()}) {
            float[] expected = new float[HEAD_DIM];
            float[] actual = new float[HEAD_DIM];
            ops.attention(q, 0, keys, values, first * KV_DIM + headOff, KV_DIM, len, HEAD_DIM, 0.5f, new float[len],
                    expected, 0);
            ops.pagedAttention(q, 0, pagedKeys, pagedValues, TABLE, BLOCK, KV_DIM, headOff, first, len, HEAD_DIM, 0.5f,
                    new float[len], actual, 0);
            assertThat(actual).as(ops.name()).containsExactly(expected);
        }
    }

    @Test
    void shouldRejectPositionsBeyondTheTable() {
        float[] cache = new float[8 * BLOCK * KV_DIM];
        assertThatThrownBy(() -> VectorOps.scalar().pagedAttention(new float[HEAD_DIM], 0, cache, cache, TABLE, BLOCK,
                KV_DIM, 0, 18, 3, HEAD_DIM, 1f, new float[3], new float[HEAD_DIM], 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("position 20 needs block 5 of a table of 5");
        assertThatThrownBy(() -> VectorOps.scalar().pagedAttention(new float[HEAD_DIM], 0, new float[10], cache,
                TABLE, BLOCK, KV_DIM, 0, 0, 3, HEAD_DIM, 1f, new float[3], new float[HEAD_DIM], 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("block 5 is outside");
    }
}
