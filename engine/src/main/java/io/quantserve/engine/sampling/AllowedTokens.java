package io.quantserve.engine.sampling;

import io.quantserve.engine.guided.TokenConstraint;
import java.util.Collection;

/**
 * vLLM's {@code allowed_token_ids}: only these ids may be drawn, end-of-sequence ids included only when listed (as in
 * vLLM, a list without one runs to the length limit). Holds no state: one instance may serve every sequence.
 */
public final class AllowedTokens implements TokenConstraint {
    private final long[] allowed;

    /**
     * @throws IllegalArgumentException when there are no ids, or one is outside the vocabulary
     */
    public AllowedTokens(Collection<Integer> ids, int vocabSize) {
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("allowed_token_ids must not be empty");
        }
        this.allowed = new long[(vocabSize + 63) >>> 6];
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException("allowed token id " + id + " is outside the vocabulary of "
                        + vocabSize);
            }
            allowed[id >>> 6] |= 1L << id;
        }
    }

    @Override
    public void mask(float[] logits) {
        for (int t = 0; t < logits.length; t++) {
            if (t >= allowed.length << 6 || (allowed[t >>> 6] & (1L << t)) == 0) {
                logits[t] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    @Override
    public void accept(int token) {
    }
}
