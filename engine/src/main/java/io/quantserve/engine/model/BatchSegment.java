package io.quantserve.engine.model;

import io.quantserve.engine.kvcache.BlockTable;

/**
 * One sequence's share of a batched forward: its tokens run at positions {@code startPos, startPos + 1, ...}, their
 * keys and values go to the slots of {@code blocks}, and attention sees that sequence's cache only. A decode step is one
 * token; a prefill chunk is many.
 *
 * @param logits which of the segment's rows get logits: none (a prompt chunk that is not the last), the last row
 *               (the next token), or all (scoring)
 */
public record BatchSegment(BlockTable blocks, int startPos, int[] tokens, Logits logits) {

    public enum Logits { NONE, LAST, ALL }

    public BatchSegment {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a batch segment needs at least one token");
        }
        if (startPos < 0) {
            throw new IllegalArgumentException("start position " + startPos + " is negative");
        }
    }

    /** The next-token logits of this segment's last row. */
    public static BatchSegment of(BlockTable blocks, int startPos, int... tokens) {
        return new BatchSegment(blocks, startPos, tokens, Logits.LAST);
    }

    int logitRows() {
        return switch (logits) {
            case NONE -> 0;
            case LAST -> 1;
            case ALL -> tokens.length;
        };
    }
}
