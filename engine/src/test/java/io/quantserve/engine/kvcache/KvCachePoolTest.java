package io.quantserve.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;

class KvCachePoolTest {
    @Test
    void shouldHoldAsManyBlocksAsTheBudgetPays() throws Exception {
        ModelConfig c = ModelConfig.load(Fixtures.model("tiny-llama"));
        long perBlock = KvCachePool.bytesPerBlock(c, 16);
        assertThat(perBlock).isEqualTo(2L * c.numLayers() * 16 * c.kvDim() * 4);
        KvCachePool pool = KvCachePool.withBudget(c, perBlock * 5 + perBlock / 2);
        assertThat(pool.numBlocks()).isEqualTo(5);
        assertThat(pool.blockSize()).isEqualTo(KvCachePool.DEFAULT_BLOCK_SIZE);
        assertThat(pool.keys(0)).hasSize(5 * 16 * c.kvDim());
        assertThat(pool.bytes()).isEqualTo(5 * perBlock);
    }

    @Test
    void shouldNameTheBudgetThatHoldsNoBlock() throws Exception {
        ModelConfig c = ModelConfig.load(Fixtures.model("tiny-llama"));
        assertThatThrownBy(() -> KvCachePool.withBudget(c, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("budget of 100 bytes");
    }
}
