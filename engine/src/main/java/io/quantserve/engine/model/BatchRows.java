package io.quantserve.engine.model;

import io.quantserve.engine.kvcache.BlockTable;

/**
 * Where each row of a batched forward belongs: its position and the block table of its sequence. Rows of one segment
 * are contiguous and in position order, so the cache writes are runs and rotary/attention read per-row metadata.
 */
final class BatchRows {
    final int n;            // rows in the batch
    final int[] pos;        // [n] each row's position in its sequence
    final int[] seg;        // [n] each row's segment
    final int[] segStart;   // [segments + 1] first row of each segment
    final int[][] tables;   // [segments][table size] block ids, resolved once: tables only grow between calls
    final int maxLength;    // the longest attention span of any row (scores buffer size)

    private BatchRows(int n, int[] pos, int[] seg, int[] segStart, int[][] tables) {
        this.n = n;
        this.pos = pos;
        this.seg = seg;
        this.segStart = segStart;
        this.tables = tables;
        int longest = 0;
        for (int p : pos) {
            longest = Math.max(longest, p + 1);
        }
        this.maxLength = longest;
    }

    /** Rows for segments given as (table, start position, length). */
    static BatchRows of(BlockTable[] blocks, int[] startPos, int[] lengths) {
        int segments = blocks.length;
        int[] segStart = new int[segments + 1];
        for (int i = 0; i < segments; i++) {
            segStart[i + 1] = segStart[i] + lengths[i];
        }
        int n = segStart[segments];
        int[] pos = new int[n];
        int[] seg = new int[n];
        int[][] tables = new int[segments][];
        for (int i = 0; i < segments; i++) {
            tables[i] = blocks[i].toArray();
            for (int r = segStart[i]; r < segStart[i + 1]; r++) {
                pos[r] = startPos[i] + r - segStart[i];
                seg[r] = i;
            }
        }
        return new BatchRows(n, pos, seg, segStart, tables);
    }

    int segments() {
        return tables.length;
    }
}
