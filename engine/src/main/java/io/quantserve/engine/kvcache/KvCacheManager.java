package io.quantserve.engine.kvcache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands out the blocks of a {@link KvCachePool} to sequences, as vLLM v1's KV cache manager: free blocks wait in an LRU
 * queue, held blocks are reference-counted, and every full block is known by the hash of its whole prefix so that a new
 * sequence whose prompt starts the same way shares those blocks instead of recomputing them. Only full blocks are
 * shared; a sequence's last, partial block is always its own, so nothing is ever written into a shared block and no
 * copy-on-write is needed.
 *
 * <p>A freed block keeps its hash (and its K/V) until allocation takes it for something else, so a finished prompt
 * stays reusable for as long as memory allows. A sequence's blocks are queued tail first, so eviction eats a prefix from
 * its end, keeping the shorter prefixes, which more prompts share, the longest.
 *
 * <p>Hashes are registered when the blocks are allocated, before their K/V exist: the caller runs the forward of what it
 * allocated before any later-allocated sequence's forward (a batch in allocation order does). Not thread-safe: one
 * scheduler owns it.
 */
public final class KvCacheManager {
    private final int blockSize;
    private final boolean prefixCaching;
    private final KvCacheBlock[] blocks; // [numBlocks]
    private final FreeBlockQueue free = new FreeBlockQueue();
    private final Map<BlockHash, KvCacheBlock> cached = new HashMap<>();
    private final Map<Long, Sequence> sequences = new HashMap<>();
    private long queriedTokens;
    private long hitTokens;

    public KvCacheManager(int numBlocks, int blockSize, boolean prefixCaching) {
        if (numBlocks < 1 || blockSize < 1) {
            throw new IllegalArgumentException("block count " + numBlocks + " and block size " + blockSize
                    + " must be positive");
        }
        this.blockSize = blockSize;
        this.prefixCaching = prefixCaching;
        this.blocks = new KvCacheBlock[numBlocks];
        for (int i = 0; i < numBlocks; i++) {
            blocks[i] = new KvCacheBlock(i);
            free.append(blocks[i]);
        }
    }

    /** A manager of all the pool's blocks, with prefix caching. */
    public static KvCacheManager of(KvCachePool pool) {
        return new KvCacheManager(pool.numBlocks(), pool.blockSize(), true);
    }

    /**
     * Starts sequence {@code seqId} with the longest run of cached full blocks that begins its prompt, shared with
     * whoever computed them, and returns how many prompt tokens that covers: their positions need no forward. At least
     * the prompt's last token is always left to compute, because its logits are what the caller wants.
     */
    public int computedPrefix(long seqId, int[] prompt) {
        if (sequences.containsKey(seqId)) {
            throw new IllegalStateException("sequence " + seqId + " already started");
        }
        Sequence seq = new Sequence(blockSize);
        sequences.put(seqId, seq);
        if (!prefixCaching || prompt.length == 0) {
            return 0;
        }
        BlockHash parent = BlockHash.ROOT;
        int shareable = (prompt.length - 1) / blockSize;
        for (int b = 0; b < shareable; b++) {
            BlockHash hash = BlockHash.of(parent, prompt, b * blockSize, blockSize);
            KvCacheBlock block = cached.get(hash);
            if (block == null) {
                break;
            }
            if (block.refCount++ == 0) {
                free.remove(block); // a cached free block: back in use, no longer evictable
            }
            seq.table.add(block.id);
            seq.hashes.add(hash);
            seq.append(prompt, b * blockSize, blockSize);
            parent = hash;
        }
        queriedTokens += prompt.length;
        hitTokens += seq.numTokens;
        return seq.numTokens;
    }

    /**
     * Makes room for {@code newTokens} after the sequence's current tokens (starting it if new), caching each block
     * they fill. Returns false, changing nothing, when the free blocks do not suffice: the caller preempts someone.
     */
    public boolean allocate(long seqId, int[] newTokens) {
        return allocate(seqId, newTokens, 0);
    }

    /**
     * As {@link #allocate(long, int[])}, with slots for {@code lookahead} more positions after them: speculative
     * decoding's drafted tokens, whose keys and values the verifying forward writes but which are not the sequence's
     * tokens (not hashed, never shared) until accepted, when they come in a later call's {@code newTokens}. Slots of
     * rejected drafts are written over by the tokens that do come there.
     */
    public boolean allocate(long seqId, int[] newTokens, int lookahead) {
        Sequence seq = sequences.computeIfAbsent(seqId, id -> new Sequence(blockSize));
        int needed = ceilDiv(seq.numTokens + newTokens.length + lookahead, blockSize) - seq.table.size();
        if (needed > free.size()) {
            return false;
        }
        for (int i = 0; i < needed; i++) {
            KvCacheBlock block = free.popFront();
            evict(block);
            block.refCount = 1;
            seq.table.add(block.id);
        }
        seq.append(newTokens, 0, newTokens.length);
        if (prefixCaching) {
            cacheFullBlocks(seq);
        }
        return true;
    }

    /** Ends a sequence: its blocks go back to the free queue (tail first), keeping their cached content. */
    public void free(long seqId) {
        Sequence seq = sequences.remove(seqId);
        if (seq == null) {
            throw new IllegalStateException("no sequence " + seqId);
        }
        for (int i = seq.table.size() - 1; i >= 0; i--) {
            KvCacheBlock block = blocks[seq.table.blockId(i)];
            if (--block.refCount == 0) {
                free.append(block);
            }
        }
    }

    public BlockTable blockTable(long seqId) {
        return sequence(seqId).table;
    }

    /** Tokens the sequence has slots for: its cached prefix plus everything allocated. */
    public int numTokens(long seqId) {
        return sequence(seqId).numTokens;
    }

    /** Forgets every cached prefix; only possible while no sequence holds blocks, as their hashes would dangle. */
    public boolean resetPrefixCache() {
        if (free.size() != blocks.length) {
            return false;
        }
        cached.clear();
        for (KvCacheBlock block : blocks) {
            block.hash = null;
        }
        return true;
    }

    /** The fraction of blocks held by sequences; cached free blocks count as free, as they are reclaimable. */
    public double usage() {
        return 1.0 - (double) free.size() / blocks.length;
    }

    public int numFreeBlocks() {
        return free.size();
    }

    public int numBlocks() {
        return blocks.length;
    }

    public int blockSize() {
        return blockSize;
    }

    /** How many sequences hold the block. */
    public int refCount(int blockId) {
        return blocks[blockId].refCount;
    }

    /** Prompt tokens looked up in the prefix cache since creation (a monotonic counter). */
    public long prefixCacheQueries() {
        return queriedTokens;
    }

    /** Prompt tokens found there, whose forward was saved (a monotonic counter). */
    public long prefixCacheHits() {
        return hitTokens;
    }

    private void cacheFullBlocks(Sequence seq) {
        int full = seq.numTokens / blockSize;
        for (int b = seq.hashes.size(); b < full; b++) {
            BlockHash parent = b == 0 ? BlockHash.ROOT : seq.hashes.get(b - 1);
            BlockHash hash = BlockHash.of(parent, seq.tokens, b * blockSize, blockSize);
            seq.hashes.add(hash);
            KvCacheBlock block = blocks[seq.table.blockId(b)];
            // a twin computed at the same time keeps the entry; this block just stays uncached
            if (cached.putIfAbsent(hash, block) == null) {
                block.hash = hash;
            }
        }
    }

    private void evict(KvCacheBlock block) {
        if (block.hash != null) {
            cached.remove(block.hash);
            block.hash = null;
        }
    }

    private Sequence sequence(long seqId) {
        Sequence seq = sequences.get(seqId);
        if (seq == null) {
            throw new IllegalStateException("no sequence " + seqId);
        }
        return seq;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** A sequence's blocks, its tokens (to hash blocks as they fill) and the hashes of its full blocks. */
    private static final class Sequence {
        final BlockTable table;
        final List<BlockHash> hashes = new ArrayList<>();
        int[] tokens = new int[64]; // [capacity] the first numTokens in use
        int numTokens;

        Sequence(int blockSize) {
            table = new BlockTable(blockSize);
        }

        void append(int[] source, int from, int count) {
            if (numTokens + count > tokens.length) {
                tokens = java.util.Arrays.copyOf(tokens, Math.max(tokens.length * 2, numTokens + count));
            }
            System.arraycopy(source, from, tokens, numTokens, count);
            numTokens += count;
        }
    }
}
