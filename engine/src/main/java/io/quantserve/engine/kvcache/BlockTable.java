package io.quantserve.engine.kvcache;

import java.util.Arrays;

/**
 * The blocks of one sequence in position order: position {@code p} lives in token slot
 * {@code table[p / blockSize] * blockSize + p % blockSize} of the {@link KvCachePool}.
 */
public final class BlockTable {
    private final int blockSize;
    private int[] ids = new int[8]; // [capacity] block ids, the first size of them in use
    private int size;

    public BlockTable(int blockSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size " + blockSize + " must be positive");
        }
        this.blockSize = blockSize;
    }

    /** A table of the given blocks, e.g. a private cache's blocks 0..n-1. */
    public static BlockTable of(int blockSize, int... blockIds) {
        BlockTable table = new BlockTable(blockSize);
        for (int id : blockIds) {
            table.add(id);
        }
        return table;
    }

    public void add(int blockId) {
        if (blockId < 0) {
            throw new IllegalArgumentException("block id " + blockId + " is negative");
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = blockId;
    }

    public int blockId(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("block " + index + " of a table of " + size);
        }
        return ids[index];
    }

    /** The token slot of a position: where its key and value live in the pool, in units of kvDim. */
    public int slot(int position) {
        return blockId(position / blockSize) * blockSize + position % blockSize;
    }

    public int size() {
        return size;
    }

    public int blockSize() {
        return blockSize;
    }

    /** How many positions the table's blocks hold. */
    public int capacity() {
        return size * blockSize;
    }

    /** A copy of the block ids, [size]. */
    public int[] toArray() {
        return Arrays.copyOf(ids, size);
    }

    @Override
    public String toString() {
        return "BlockTable" + Arrays.toString(toArray());
    }
}
