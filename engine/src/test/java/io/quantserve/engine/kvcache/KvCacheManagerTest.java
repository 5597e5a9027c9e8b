package io.quantserve.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class KvCacheManagerTest {
    private static final int B = 4;

    /** Tokens from, from+1, ... : distinct runs give distinct blocks. */
    private static int[] tokens(int from, int count) {
        return IntStream.range(from, from + count).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        return IntStream.concat(IntStream.of(a), IntStream.of(b)).toArray();
    }

    @Test
    void shouldAllocateWholeBlocksAndGrowOnlyWhenTheLastOneIsFull() {
        KvCacheManager m = new KvCacheManager(8, B, true);
        assertThat(m.allocate(1, tokens(0, 5))).isTrue();
        assertThat(m.blockTable(1).size()).isEqualTo(2);
        assertThat(m.allocate(1, tokens(5, 3))).isTrue();
        assertThat(m.blockTable(1).size()).isEqualTo(2);
        assertThat(m.allocate(1, tokens(8, 1))).isTrue();
        assertThat(m.blockTable(1).size()).isEqualTo(3);
        assertThat(m.numTokens(1)).isEqualTo(9);
        assertThat(m.numFreeBlocks()).isEqualTo(5);
        BlockTable table = m.blockTable(1);
        assertThat(table.slot(6)).isEqualTo(table.blockId(1) * B + 2);
    }

    @Test
    void shouldRefuseAnAllocationThatDoesNotFitAndChangeNothing() {
        KvCacheManager m = new KvCacheManager(3, B, true);
        assertThat(m.allocate(1, tokens(0, 8))).isTrue();
        assertThat(m.allocate(2, tokens(100, 5))).isFalse();
        assertThat(m.numFreeBlocks()).isEqualTo(1);
        assertThat(m.blockTable(2).size()).isZero();
        assertThat(m.numTokens(2)).isZero();
        assertThat(m.allocate(2, tokens(100, 4))).isTrue();
        assertThat(m.allocate(1, tokens(8, 1))).isFalse();
        assertThat(m.usage()).isEqualTo(1.0);
    }

    @Test
    void shouldReturnBlocksOnFreeAndReportUsage() {
        KvCacheManager m = new KvCacheManager(4, B, true);
        assertThat(m.usage()).isZero();
        m.allocate(1, tokens(0, 6));
        assertThat(m.usage()).isEqualTo(0.5);
        m.allocate(2, tokens(100, 1));
        assertThat(m.usage()).isEqualTo(0.75);
        m.free(1);
        assertThat(m.usage()).isEqualTo(0.25);
        assertThat(m.numFreeBlocks()).isEqualTo(3);
        assertThatThrownBy(() -> m.free(1)).hasMessageContaining("no sequence 1");
    }

    @Test
    void shouldShareExactlyTheFullBlocksOfACommonPrefix() {
        KvCacheManager m = new KvCacheManager(16, B, true);
        int[] shared = tokens(0, 9); // two full blocks and one token of a third
        int[] first = concat(shared, tokens(50, 3));
        assertThat(m.computedPrefix(1, first)).isZero();
        m.allocate(1, first);

        int[] second = concat(shared, tokens(70, 6));
        assertThat(m.computedPrefix(2, second)).isEqualTo(8);
        BlockTable a = m.blockTable(1);
        BlockTable b = m.blockTable(2);
        assertThat(b.toArray()).containsExactly(a.blockId(0), a.blockId(1));
        assertThat(m.refCount(a.blockId(0))).isEqualTo(2);
        assertThat(m.refCount(a.blockId(1))).isEqualTo(2);

        m.allocate(2, java.util.Arrays.copyOfRange(second, 8, second.length));
        assertThat(b.blockId(2)).isNotEqualTo(a.blockId(2)); // the partial third block stays private
        assertThat(m.refCount(a.blockId(2))).isEqualTo(1);

        m.free(1);
        assertThat(m.refCount(b.blockId(0))).isEqualTo(1);
        assertThat(m.refCount(a.blockId(2))).isZero();
    }

    @Test
    void shouldReuseTheBlocksOfAFinishedSequenceWhileTheyAreCached() {
        KvCacheManager m = new KvCacheManager(8, B, true);
        int[] prompt = tokens(0, 10);
        m.computedPrefix(1, prompt);
        m.allocate(1, prompt);
        int[] firstBlocks = m.blockTable(1).toArray();
        m.free(1);
        assertThat(m.numFreeBlocks()).isEqualTo(8);

        assertThat(m.computedPrefix(2, prompt)).isEqualTo(8);
        assertThat(m.blockTable(2).toArray()).containsExactly(firstBlocks[0], firstBlocks[1]);
        assertThat(m.numFreeBlocks()).isEqualTo(6); // hits on free blocks take them out of the free queue
    }

    @Test
    void shouldLeaveAtLeastTheLastPromptTokenToCompute() {
        KvCacheManager m = new KvCacheManager(8, B, true);
        int[] prompt = tokens(0, 8);
        m.computedPrefix(1, prompt);
        m.allocate(1, prompt);
        assertThat(m.computedPrefix(2, prompt)).isEqualTo(4);
    }

    @Test
    void shouldMissOnceTheCachedBlockWasReusedForOtherTokens() {
        KvCacheManager m = new KvCacheManager(3, B, true);
        int[] prompt = tokens(0, 9);
        m.computedPrefix(1, prompt);
        m.allocate(1, prompt);
        int first = m.blockTable(1).blockId(0);
        m.free(1);
        // freed tail first: the partial block and the second full block are taken, the first full block survives
        m.allocate(2, tokens(100, 5));
        assertThat(m.computedPrefix(3, prompt)).isEqualTo(4);
        assertThat(m.blockTable(3).toArray()).containsExactly(first);
        m.free(3);
        m.free(2);
        m.allocate(4, tokens(200, 12));
        assertThat(m.computedPrefix(5, prompt)).isZero();
    }

    @Test
    void shouldEvictTheLeastRecentlyFreedBlocksFirstAndAPrefixFromItsEnd() {
        KvCacheManager m = new KvCacheManager(6, B, true);
        int[] older = tokens(0, 8);
        int[] newer = tokens(100, 8);
        m.computedPrefix(1, older);
        m.allocate(1, older);
        m.computedPrefix(2, newer);
        m.allocate(2, newer);
        int[] olderBlocks = m.blockTable(1).toArray();
        m.free(1);
        m.free(2);
        // two never-used blocks are taken first, then the older sequence's blocks, its last block before its first
        m.allocate(3, tokens(500, 12));
        int[] taken = m.blockTable(3).toArray();
        assertThat(taken[2]).isEqualTo(olderBlocks[1]);
        assertThat(m.computedPrefix(4, concat(older, tokens(900, 1)))).isEqualTo(4);
        assertThat(m.blockTable(4).toArray()).containsExactly(olderBlocks[0]);
        assertThat(m.computedPrefix(5, concat(newer, tokens(900, 1)))).isEqualTo(8);
    }

    @Test
    void shouldCountQueriedAndHitTokens() {
        KvCacheManager m = new KvCacheManager(8, B, true);
        int[] prompt = tokens(0, 10);
        m.computedPrefix(1, prompt);
        m.allocate(1, prompt);
        m.computedPrefix(2, concat(tokens(0, 5), tokens(40, 2)));
        assertThat(m.prefixCacheQueries()).isEqualTo(17);
        assertThat(m.prefixCacheHits()).isEqualTo(4);
    }

    @Test
    void shouldNotShareWhenPrefixCachingIsOff() {
        KvCacheManager m = new KvCacheManager(8, B, false);
        int[] prompt = tokens(0, 10);
        m.computedPrefix(1, prompt);
        m.allocate(1, prompt);
        assertThat(m.computedPrefix(2, prompt)).isZero();
        assertThat(m.prefixCacheQueries()).isZero();
    }

    @Test
    void shouldResetThePrefixCacheOnlyWhenNoSequenceHoldsBlocks() {
        KvCacheManager m = new KvCacheManager(8, B, true);
        int[] prompt = tokens(0, 10);
        m.computedPrefix(1, prompt);
        m.allocate(1, prompt);
        assertThat(m.resetPrefixCache()).isFalse();
        m.free(1);
        assertThat(m.resetPrefixCache()).isTrue();
        assertThat(m.computedPrefix(2, prompt)).isZero();
    }

    @Test
    void shouldRejectStartingASequenceTwice() {
        KvCacheManager m = new KvCacheManager(8, B, true);
        m.computedPrefix(1, tokens(0, 3));
        assertThatThrownBy(() -> m.computedPrefix(1, tokens(0, 3))).hasMessageContaining("already started");
    }
}
