package io.quantserve.engine.kvcache;

/**
 * The blocks nobody holds, least recently freed first: allocation takes from the front, freeing appends at the back,
 * and a prefix-cache hit on a free block takes it out of the middle. A hand-linked list because that removal must be
 * O(1) (java.util.LinkedList finds the node by a linear scan).
 */
final class FreeBlockQueue {
    private final KvCacheBlock head = new KvCacheBlock(-1); // sentinels: no null checks at the ends
    private final KvCacheBlock tail = new KvCacheBlock(-1);
    private int size;

    FreeBlockQueue() {
        head.next = tail;
        tail.prev = head;
    }

    void append(KvCacheBlock block) {
        block.prev = tail.prev;
        block.next = tail;
        tail.prev.next = block;
        tail.prev = block;
        size++;
    }

    KvCacheBlock popFront() {
        if (size == 0) {
            throw new IllegalStateException("no free blocks");
        }
        KvCacheBlock block = head.next;
        remove(block);
        return block;
    }

    void remove(KvCacheBlock block) {
        block.prev.next = block.next;
        block.next.prev = block.prev;
        block.prev = null;
        block.next = null;
        size--;
    }

    int size() {
        return size;
    }
}
