package io.quantserve.engine.guided;

import org.apache.lucene.util.automaton.ByteRunAutomaton;

/**
 * One regular expression over one vocabulary: the pattern as a deterministic automaton over UTF-8 bytes, every
 * state of which can still reach a full match, and the allowed-token set of each state it has been in (shared by every
 * request with the same pattern).
 */
final class RegexMasks {
    private static final int CACHED_STATES = 256;

    private final ByteRunAutomaton dfa;
    private final GuidedVocabulary vocabulary;
    private final MaskCache<Integer> cache = new MaskCache<>(CACHED_STATES, this::compute);

    RegexMasks(String pattern, GuidedVocabulary vocabulary) {
        this.dfa = compile(pattern);
        this.vocabulary = vocabulary;
    }

    /**
     * The byte automaton of {@code pattern}'s full matches.
     *
     * @throws IllegalArgumentException when the pattern is not valid, not supported, too complex, or matches nothing
     */
    static ByteRunAutomaton compile(String pattern) {
        String what = "regular expression '" + pattern + "'";
        return CodePointDfa.of(PythonRegex.parse(pattern), what).bytes(what);
    }

    GuidedVocabulary vocabulary() {
        return vocabulary;
    }

    ByteRunAutomaton dfa() {
        return dfa;
    }

    /** One bit per token id: set when the token may come next in {@code state}; read-only. */
    long[] allowed(int state) {
        return cache.allowed(state);
    }

    /** Every token whose bytes the automaton can read from {@code state}, and EOS when the text matches whole. */
    private long[] compute(int state) {
        long[] bits = new long[(vocabulary.size() + 63) >>> 6];
        vocabulary.trie().allowed(dfa, state, bits);
        if (dfa.isAccept(state)) {
            vocabulary.addEos(bits);
        }
        return bits;
    }
}
