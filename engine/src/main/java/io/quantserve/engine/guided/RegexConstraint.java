package io.quantserve.engine.guided;

/**
 * Keeps one sequence's output a prefix of a full match of a regular expression (vLLM's {@code guided_regex}), then
 * the end of the sequence: allowed once the text so far matches whole.
 */
final class RegexConstraint implements TokenConstraint {
    private final RegexMasks masks;
    private int state; // of the byte automaton; 0 is its start
    private boolean ended;

    RegexConstraint(RegexMasks masks) {
        this.masks = masks;
    }

    @Override
    public void mask(float[] logits) {
        GuidedVocabulary vocabulary = masks.vocabulary();
        vocabulary.mask(ended ? vocabulary.eosOnly() : masks.allowed(state), logits, "guided_regex");
    }

    @Override
    public void accept(int token) {
        if (masks.vocabulary().isEos(token)) {
            ended = true;
            return;
        }
        byte[] bytes = masks.vocabulary().bytes(token);
        int next = bytes == null || ended ? -1 : state;
        for (int i = 0; bytes != null && i < bytes.length && next >= 0; i++) {
            next = masks.dfa().step(next, bytes[i] & 0xff);
        }
        if (next < 0) {
            throw new IllegalArgumentException("token " + token + " does not continue the regular expression");
        }
        state = next;
    }
}
