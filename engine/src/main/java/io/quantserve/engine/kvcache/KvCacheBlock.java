package io.quantserve.engine.kvcache;

/** The bookkeeping of one pool block: who holds it, what full content it caches, and its place in the free queue. */
final class KvCacheBlock {
    final int id;
    int refCount;
    BlockHash hash; // non-null exactly while the prefix cache maps this hash to this block
    KvCacheBlock prev; // free-queue links, null while the block is held
    KvCacheBlock next;

    KvCacheBlock(int id) {
        this.id = id;
    }
}
