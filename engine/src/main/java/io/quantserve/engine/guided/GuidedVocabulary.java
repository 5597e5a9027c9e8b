package io.quantserve.engine.guided;

import io.quantserve.engine.tokenizer.TokenType;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tokenizer's vocabulary as structured output needs it: each token's bytes (special and control tokens left out:
 * their literal text must never appear inside a document), the byte trie that masks walk, and the end-of-sequence
 * ids that end a complete document. Built once per tokenizer and eos set ({@link #of}); safe to share between threads.
 */
public final class GuidedVocabulary {
    private static final Logger log = LoggerFactory.getLogger(GuidedVocabulary.class);
    private static final int CACHED_GRAMMARS = 16;
    private static final Map<Tokenizer, Map<Set<Integer>, GuidedVocabulary>> CACHE = new WeakHashMap<>();

    private final byte[][] bytes; // null: never allowed inside a document
    private final TokenTrie trie;
    private final int size;
    private final int[] eosIds;
    private final long[] eosOnly;
    private final Map<String, Object> grammars = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
            return size() > CACHED_GRAMMARS;
        }
    };

    GuidedVocabulary(byte[][] bytes, int[] eosIds) {
        this.bytes = bytes;
        this.size = bytes.length;
        this.eosIds = eosIds.clone();
        this.trie = new TokenTrie(bytes);
        this.eosOnly = new long[(size + 63) >>> 6];
        addEos(eosOnly);
    }

    /** The vocabulary of {@code tokenizer}, with its own end-of-sequence ids. */
    public static GuidedVocabulary of(Tokenizer tokenizer) {
        return of(tokenizer, Arrays.stream(tokenizer.eosIds()).boxed().toList());
    }

    /**
     * The vocabulary of {@code tokenizer} where {@code eosIds} end a document (e.g. a model's eos set, which may add
     * end-of-turn tokens to the tokenizer's). Cached per tokenizer instance and eos set.
     */
    public static GuidedVocabulary of(Tokenizer tokenizer, Collection<Integer> eosIds) {
        Set<Integer> eos = new TreeSet<>(eosIds);
        if (eos.isEmpty()) {
            throw new IllegalArgumentException("structured output needs an end-of-sequence token; the model has none");
        }
        for (int id : eos) {
            if (id < 0 || id >= tokenizer.vocabSize()) {
                throw new IllegalArgumentException("end-of-sequence id " + id + " is outside the vocabulary of "
                        + tokenizer.vocabSize());
            }
        }
        synchronized (CACHE) {
            return CACHE.computeIfAbsent(tokenizer, t -> new HashMap<>())
                    .computeIfAbsent(Set.copyOf(eos), e -> build(tokenizer, e));
        }
    }

    private static GuidedVocabulary build(Tokenizer tokenizer, Set<Integer> eos) {
        byte[][] bytes = new byte[tokenizer.vocabSize()][];
        for (int id = 0; id < bytes.length; id++) {
            TokenType type = tokenizer.tokenType(id);
            if (!tokenizer.isSpecial(id) && type != TokenType.CONTROL && type != TokenType.UNKNOWN
                    && type != TokenType.UNUSED && !eos.contains(id)) {
                byte[] b = tokenizer.tokenBytes(id);
                bytes[id] = b.length > 0 ? b : null; // an empty token would let a sequence run without progress
            }
        }
        return new GuidedVocabulary(bytes, eos.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Number of token ids. */
    public int size() {
        return size;
    }

    int[] eosIds() {
        return eosIds;
    }

    boolean isEos(int token) {
        for (int id : eosIds) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }

    /** The bytes of {@code token}, or null when it may not appear inside a document. */
    byte[] bytes(int token) {
        return token >= 0 && token < size ? bytes[token] : null;
    }

    TokenTrie trie() {
        return trie;
    }

    /**
     * The masks of one pushdown grammar over this vocabulary (from its start state), shared by every request with the
     * same format ({@code key}).
     */
    GrammarMasks masks(String key, Supplier<Recognizer> start) {
        return shared("grammar:" + key, GrammarMasks.class, () -> new GrammarMasks(start.get(), this));
    }

    /** The masks of one regular expression over this vocabulary, shared by every request with the same pattern. */
    RegexMasks regexMasks(String pattern) {
        return shared("regex:" + pattern, RegexMasks.class, () -> new RegexMasks(pattern, this));
    }

    /** The most recently used formats' masks, built on first use (a build that throws caches nothing). */
    private <T> T shared(String key, Class<T> type, Supplier<T> build) {
        synchronized (grammars) {
            Object masks = grammars.get(key);
            if (masks == null) {
                masks = build.get();
                grammars.put(key, masks);
            }
            return type.cast(masks);
        }
    }

    /** Sets the end-of-sequence ids' bits. */
    void addEos(long[] bits) {
        for (int id : eosIds) {
            bits[id >>> 6] |= 1L << id;
        }
    }

    /**
     * Sets the logits of the tokens whose bit in {@code allowed} is clear, and of the ids past the vocabulary (padding
     * rows of a model's output head), to negative infinity. When no bit is set — no token spells a way on, e.g. a
     * vocabulary without byte tokens — only the end-of-sequence ids stay: ending beats a sampler without tokens.
     */
    void mask(long[] allowed, float[] logits, String format) {
        boolean any = false;
        for (long w : allowed) {
            any |= w != 0;
        }
        if (!any) {
            log.error("{}: no token continues the output; allowing only end of sequence", format);
            allowed = eosOnly;
        }
        int n = Math.min(logits.length, size);
        for (int i = 0; i < n; i++) {
            if ((allowed[i >>> 6] & (1L << i)) == 0) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
        for (int i = n; i < logits.length; i++) {
            logits[i] = Float.NEGATIVE_INFINITY;
        }
    }

    /** The bits of the end-of-sequence ids alone (what is allowed once an output has ended); read-only. */
    long[] eosOnly() {
        return eosOnly;
    }
}
