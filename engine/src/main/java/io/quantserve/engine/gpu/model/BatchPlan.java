package io.quantserve.engine.gpu.model;

import io.quantserve.engine.gpu.DeviceBuffer;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.model.BatchSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The host side of one batched forward: every row's token, position and cache slot, the attention launches (decode
 * items for one-token segments, one prefill per longer segment) and their block tables, all checked here, since the
 * kernels trust them, and flattened into one int32 array uploaded once per forward.
 *
 * <p>Metadata layout: positions [rows], slots [rows], decode tables [decodeItems, decodeTableWidth], decode rows,
 * decode table index and decode positions [decodeItems] each, then each prefill's block table. The decode table
 * width is the longest decode table rounded up to a power of two (entries past a table's end are 0, never read: the
 * kernel stops at each item's position), so that the decode steps of growing sequences keep one shape, and one CUDA
 * graph ({@link DecodeGraphs}), for a while.
 */
final class BatchPlan {
    enum Part { POSITIONS, SLOTS, DECODE_TABLES, DECODE_ROWS, DECODE_TABLE_INDEX, DECODE_POSITIONS }

    /** A prefill launch: rows row0 .. row0+length-1 at positions start.., its table at tableOffset in the metadata. */
    record Prefill(int segment, int row0, int start, int length, int tableOffset, int tableBlocks) {
    }

    private final int rows;
    private final int segments;
    private final int[] tokens;
    private final int[] meta;
    private final int[] partOffset;
    private final int[] partLength;
    private final int decodeItems;
    private final int decodeTableWidth;
    private final List<Prefill> prefills;
    private final int[] logitRows;
    private final int[] logitRowsOf;
    private final int maxPosition;

    private BatchPlan(int rows, int segments, int[] tokens, int[] meta, int[] partOffset, int[] partLength,
            int decodeItems, int decodeTableWidth, List<Prefill> prefills, int[] logitRows, int[] logitRowsOf,
            int maxPosition) {
        this.rows = rows;
        this.segments = segments;
        this.tokens = tokens;
        this.meta = meta;
        this.partOffset = partOffset;
        this.partLength = partLength;
        this.decodeItems = decodeItems;
        this.decodeTableWidth = decodeTableWidth;
        this.prefills = prefills;
        this.logitRows = logitRows;
        this.logitRowsOf = logitRowsOf;
        this.maxPosition = maxPosition;
    }

    /**
     * Plans a batch for a cache of {@code numBlocks} blocks of {@code blockSize}; rows at most {@code maxTokens},
     * positions below {@code positionLimit}.
     */
    static BatchPlan of(List<BatchSegment> segs, int blockSize, int numBlocks, int maxTokens, long positionLimit) {
        int count = segs.size();
        if (count == 0) {
            throw new IllegalArgumentException("an empty batch");
        }
        int rows = 0;
        int decodeItems = 0;
        int decodeWidth = 1;
        int maxPosition = 0;
        for (int i = 0; i < count; i++) {
            BatchSegment seg = segs.get(i);
            int end = seg.startPos() + seg.tokens().length;
            if (end > positionLimit) {
                throw new IllegalArgumentException("segment " + i + ": positions " + seg.startPos() + ".." + (end - 1)
                        + " exceed the context length " + positionLimit);
            }
            BlockTable table = seg.blocks();
            if (table.blockSize() != blockSize) {
                throw new IllegalArgumentException("segment " + i + ": block table of block size " + table.blockSize()
                        + " does not index a cache of block size " + blockSize);
            }
            if (end > table.capacity()) {
                throw new IllegalArgumentException("segment " + i + ": positions up to " + (end - 1) + " have no KV cache"
                        + " slots: the block table holds " + table.size() + " blocks of " + blockSize + " tokens");
            }
            int blocks = (end - 1) / blockSize + 1;
            for (int b = 0; b < blocks; b++) {
                int id = table.blockId(b);
                if (id < 0 || id >= numBlocks) {
                    throw new IllegalArgumentException("segment " + i + ": block " + id + " (entry " + b
                            + " of its table) is outside the cache's " + numBlocks + " blocks");
                }
            }
            rows += seg.tokens().length;
            maxPosition = Math.max(maxPosition, end - 1);
            if (seg.tokens().length == 1) {
                decodeItems++;
                decodeWidth = Math.max(decodeWidth, blocks);
            }
        }
        if (rows > maxTokens) {
            throw new IllegalArgumentException("a batch of " + rows + " tokens exceeds the state's " + maxTokens);
        }
        decodeWidth = powerOfTwoAtLeast(decodeWidth);

        int[] partLength = new int[Part.values().length];
        partLength[Part.POSITIONS.ordinal()] = rows;
        partLength[Part.SLOTS.ordinal()] = rows;
        partLength[Part.DECODE_TABLES.ordinal()] = decodeItems * decodeWidth;
        partLength[Part.DECODE_ROWS.ordinal()] = decodeItems;
        partLength[Part.DECODE_TABLE_INDEX.ordinal()] = decodeItems;
        partLength[Part.DECODE_POSITIONS.ordinal()] = decodeItems;
        int[] partOffset = new int[partLength.length];
        int size = 0;
        for (int p = 0; p < partLength.length; p++) {
            partOffset[p] = size;
            size += partLength[p];
        }
        int prefillBase = size;
        for (BatchSegment seg : segs) {
            if (seg.tokens().length > 1) {
                size += (seg.startPos() + seg.tokens().length - 1) / blockSize + 1;
            }
        }

        int[] meta = new int[size];
        int[] tokens = new int[rows];
        List<Prefill> prefills = new ArrayList<>();
        List<Integer> wanted = new ArrayList<>();
        int[] logitRowsOf = new int[count];
        int row = 0;
        int item = 0;
        int prefillAt = prefillBase;
        for (int i = 0; i < count; i++) {
            BatchSegment seg = segs.get(i);
            BlockTable table = seg.blocks();
            int len = seg.tokens().length;
            int start = seg.startPos();
            for (int t = 0; t < len; t++) {
                tokens[row + t] = seg.tokens()[t];
                meta[partOffset[Part.POSITIONS.ordinal()] + row + t] = start + t;
                meta[partOffset[Part.SLOTS.ordinal()] + row + t] = table.slot(start + t);
            }
            int blocks = (start + len - 1) / blockSize + 1;
            if (len == 1) {
                for (int b = 0; b < blocks; b++) {
                    meta[partOffset[Part.DECODE_TABLES.ordinal()] + item * decodeWidth + b] = table.blockId(b);
                }
                meta[partOffset[Part.DECODE_ROWS.ordinal()] + item] = row;
                meta[partOffset[Part.DECODE_TABLE_INDEX.ordinal()] + item] = item;
                meta[partOffset[Part.DECODE_POSITIONS.ordinal()] + item] = start;
                item++;
            } else {
                for (int b = 0; b < blocks; b++) {
                    meta[prefillAt + b] = table.blockId(b);
                }
                prefills.add(new Prefill(i, row, start, len, prefillAt, blocks));
                prefillAt += blocks;
            }
            int logitCount = switch (seg.logits()) {
                case NONE -> 0;
                case LAST -> 1;
                case ALL -> len;
            };
            for (int t = len - logitCount; t < len; t++) {
                wanted.add(row + t);
            }
            logitRowsOf[i] = logitCount;
            row += len;
        }
        return new BatchPlan(rows, count, tokens, meta, partOffset, partLength, decodeItems, decodeWidth,
                List.copyOf(prefills), wanted.stream().mapToInt(Integer::intValue).toArray(), logitRowsOf, maxPosition);
    }

    static int powerOfTwoAtLeast(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    /** As {@link #of(List, int, int, int, long)} for a device cache. */
    static BatchPlan of(List<BatchSegment> segs, GpuKvCache cache, int maxTokens, long positionLimit) {
        return of(segs, cache.blockSize(), cache.numBlocks(), maxTokens, positionLimit);
    }

    int rows() {
        return rows;
    }

    int segments() {
        return segments;
    }

    /** The token id of every row. */
    int[] tokens() {
        return tokens;
    }

    /** The flattened metadata to upload. */
    int[] meta() {
        return meta;
    }

    int offset(Part part) {
        return partOffset[part.ordinal()];
    }

    int length(Part part) {
        return partLength[part.ordinal()];
    }

    /** The part's values within the uploaded metadata. */
    DeviceBuffer slice(DeviceBuffer uploaded, Part part) {
        return uploaded.slice(4L * offset(part), 4L * length(part), "batch " + part.name().toLowerCase(java.util.Locale.ROOT));
    }

    DeviceBuffer prefillTable(DeviceBuffer uploaded, Prefill p) {
        return uploaded.slice(4L * p.tableOffset(), 4L * p.tableBlocks(), "prefill table of segment " + p.segment());
    }

    int decodeItems() {
        return decodeItems;
    }

    int decodeTableWidth() {
        return decodeTableWidth;
    }

    List<Prefill> prefills() {
        return prefills;
    }

    /** Rows that want logits, in segment order. */
    int[] logitRows() {
        return logitRows;
    }

    int logitRowsOf(int segment) {
        return logitRowsOf[segment];
    }

    /** The highest position of any row. */
    int maxPosition() {
        return maxPosition;
    }
}
