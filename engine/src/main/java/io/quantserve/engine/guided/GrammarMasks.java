package io.quantserve.engine.guided;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Allowed-token sets of one grammar over one vocabulary, cached per recognizer state: inside a string or between
 * values the state repeats from token to token, and requests with the same format share the cache.
 */
final class GrammarMasks {
    private static final int CACHED_STATES = 128;

    private final JsonGrammar grammar;
    private final GuidedVocabulary vocabulary;
    private final long[] eosOnly;
    private final Map<JsonRecognizer, long[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<JsonRecognizer, long[]> eldest) {
            return size() > CACHED_STATES;
        }
    };

    GrammarMasks(JsonGrammar grammar, GuidedVocabulary vocabulary) {
        this.grammar = grammar;
        this.vocabulary = vocabulary;
        this.eosOnly = new long[words()];
        setEos(eosOnly);
    }

    JsonGrammar grammar() {
        return grammar;
    }

    GuidedVocabulary vocabulary() {
        return vocabulary;
    }

    long[] eosOnly() {
        return eosOnly;
    }

    /** One bit per token id: set when the token may come next in {@code state}; read-only. */
    long[] allowed(JsonRecognizer state) {
        synchronized (cache) {
            long[] bits = cache.get(state);
            if (bits != null) {
                return bits;
            }
        }
        long[] bits = compute(state);
        synchronized (cache) {
            cache.put(state, bits);
        }
        return bits;
    }

    /** Without the cache: every token whose bytes continue the document, and EOS when it is complete. */
    long[] compute(JsonRecognizer state) {
        long[] bits = new long[words()];
        vocabulary.trie().allowed(state.stacks(), bits);
        if (state.isComplete()) {
            setEos(bits);
        }
        return bits;
    }

    private int words() {
        return (vocabulary.size() + 63) >>> 6;
    }

    private void setEos(long[] bits) {
        for (int id : vocabulary.eosIds()) {
            bits[id >>> 6] |= 1L << id;
        }
    }
}
