package io.quantserve.engine.serve;

/**
 * Part of one step's batch: {@code tokens} of {@code seq} at positions {@code start, start + 1, ...}.
 *
 * @param sample the chunk reaches the sequence's last token, so its logits give the next token
 */
public record ScheduledChunk(Sequence seq, int start, int[] tokens, boolean sample) {
}
