package io.quantserve.engine.guided;

/**
 * Keeps one sequence's output inside a pushdown grammar (JSON, EBNF): a {@link TokenConstraint} of structured
 * output.
 */
final class GrammarConstraint implements TokenConstraint {
    private final GrammarMasks masks;
    private Recognizer state;
    private boolean ended;

    GrammarConstraint(GrammarMasks masks) {
        this.masks = masks;
        this.state = masks.start();
    }

    @Override
    public void mask(float[] logits) {
        GuidedVocabulary vocabulary = masks.vocabulary();
        vocabulary.mask(ended ? vocabulary.eosOnly() : masks.allowed(state), logits, "structured output");
    }

    @Override
    public void accept(int token) {
        if (masks.vocabulary().isEos(token)) {
            ended = true;
            return;
        }
        byte[] bytes = masks.vocabulary().bytes(token);
        Recognizer next = bytes == null || ended ? null : state.advance(bytes);
        if (next == null) {
            throw new IllegalArgumentException("token " + token + " does not continue the structured output");
        }
        state = next;
    }

    /** Whether the text so far is a whole document. */
    boolean isComplete() {
        return state.isComplete();
    }

    Recognizer state() {
        return state;
    }
}
