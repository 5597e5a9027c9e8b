package io.quantserve.engine.guided;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps one sequence's output inside a JSON grammar: the {@link TokenConstraint} of structured output. */
final class GrammarConstraint implements TokenConstraint {
    private static final Logger log = LoggerFactory.getLogger(GrammarConstraint.class);

    private final GrammarMasks masks;
    private JsonRecognizer state;
    private boolean ended;

    GrammarConstraint(GrammarMasks masks) {
        this.masks = masks;
        this.state = masks.grammar().start();
    }

    @Override
    public void mask(float[] logits) {
        long[] bits = ended ? masks.eosOnly() : masks.allowed(state);
        if (isEmpty(bits)) {
            // cannot happen for a grammar whose every state can be completed; ending beats a sampler without tokens
            log.error("structured output reached a state no token continues; allowing only end of sequence");
            bits = masks.eosOnly();
        }
        int n = Math.min(logits.length, masks.vocabulary().size());
        for (int i = 0; i < n; i++) {
            if ((bits[i >>> 6] & (1L << i)) == 0) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
        for (int i = n; i < logits.length; i++) {
            logits[i] = Float.NEGATIVE_INFINITY; // padding rows of the model's output head
        }
    }

    @Override
    public void accept(int token) {
        if (masks.vocabulary().isEos(token)) {
            ended = true;
            return;
        }
        byte[] bytes = masks.vocabulary().bytes(token);
        JsonRecognizer next = bytes == null || ended ? null : state.advance(bytes);
        if (next == null) {
            throw new IllegalArgumentException("token " + token + " does not continue the structured output");
        }
        state = next;
    }

    /** Whether the text so far is a whole document. */
    boolean isComplete() {
        return state.isComplete();
    }

    JsonRecognizer state() {
        return state;
    }

    private static boolean isEmpty(long[] bits) {
        for (long w : bits) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }
}
