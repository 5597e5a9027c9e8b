package io.quantserve.engine.serve;

import java.util.Arrays;

/**
 * Part of one step's batch: {@code tokens} of {@code seq} at positions {@code start, start + 1, ...}.
 *
 * @param sample the chunk reaches the sequence's last token, so its logits give the next token
 * @param drafts how many of the tokens, at the end, are drafted ones to verify (speculative decoding): the sequence's
 *               tokens end before them, and each row from its last token on gives the token after it
 */
public record ScheduledChunk(Sequence seq, int start, int[] tokens, boolean sample, int drafts) {
    public ScheduledChunk(Sequence seq, int start, int[] tokens, boolean sample) {
        this(seq, start, tokens, sample, 0);
    }

    /** The drafted tokens to verify, in order. */
    public int[] draftTokens() {
        return Arrays.copyOfRange(tokens, tokens.length - drafts, tokens.length);
    }
}
