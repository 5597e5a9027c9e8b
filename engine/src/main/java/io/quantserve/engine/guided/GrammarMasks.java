package io.quantserve.engine.guided;

/**
 * Allowed-token sets of one pushdown grammar (JSON, EBNF) over one vocabulary, cached per recognizer state: inside a
 * string or between values the state repeats from token to token, and requests with the same format share the cache.
 */
final class GrammarMasks {
    private static final int CACHED_STATES = 128;

    private final Recognizer start;
    private final GuidedVocabulary vocabulary;
    private final MaskCache<Recognizer> cache = new MaskCache<>(CACHED_STATES, this::compute);

    GrammarMasks(Recognizer start, GuidedVocabulary vocabulary) {
        this.start = start;
        this.vocabulary = vocabulary;
    }

    /** The grammar's state before the first byte. */
    Recognizer start() {
        return start;
    }

    GuidedVocabulary vocabulary() {
        return vocabulary;
    }

    /** One bit per token id: set when the token may come next in {@code state}; read-only. */
    long[] allowed(Recognizer state) {
        return cache.allowed(state);
    }

    /** Without the cache: every token whose bytes continue the document, and EOS when it is complete. */
    long[] compute(Recognizer state) {
        long[] bits = new long[(vocabulary.size() + 63) >>> 6];
        vocabulary.trie().allowed(state.stacks(), state.maxStacks(), bits);
        if (state.isComplete()) {
            vocabulary.addEos(bits);
        }
        return bits;
    }
}
