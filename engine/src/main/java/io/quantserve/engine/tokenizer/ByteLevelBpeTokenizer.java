package io.quantserve.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level BPE (GPT-2, Llama 3, Qwen2): optional Unicode normalization, a regex split into
 * words (every match and every gap between matches is a word, like the "Isolated" split of
 * Hugging Face tokenizers), each word's UTF-8 bytes mapped to printable characters
 * ({@link ByteLevelAlphabet}), then merges applied in rank order.
 */
public final class ByteLevelBpeTokenizer extends BaseTokenizer {
    private static final int CACHE_LIMIT = 100_000;

    private final Pattern split;
    private final Map<String, Integer> mergeRanks;
    private final boolean ignoreMerges;
    private final boolean addPrefixSpace;
    private final Normalizer.Form normalization;
    // words repeat a lot in real text; caching their ids is what HF tokenizers does too
    private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();

    /**
     * @param mergeRanks     rank of each merge keyed {@code left + " " + right}
     * @param ignoreMerges   a word that is itself a vocabulary entry is emitted whole (Llama 3)
     * @param addPrefixSpace a space is put before text that does not start with one
     * @param normalization  Unicode normalization applied first, or null
     */
    ByteLevelBpeTokenizer(Vocabulary vocab, String splitPattern, Map<String, Integer> mergeRanks,
                          boolean ignoreMerges, boolean addPrefixSpace, Normalizer.Form normalization) {
        super(vocab);
        this.split = splitPattern == null ? null : PreTokenizerPatterns.compile(splitPattern);
        this.mergeRanks = mergeRanks;
        this.ignoreMerges = ignoreMerges;
        this.addPrefixSpace = addPrefixSpace;
        this.normalization = normalization;
    }

    /** The merges ({@code "left right"}) in rank order, for writing the vocabulary elsewhere (GGUF). */
    public List<String> merges() {
        return mergeRanks.entrySet().stream().sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList();
    }

    /** The split pattern in use, or null when the whole fragment is one word. */
    public String splitPattern() {
        return split == null ? null : split.pattern();
    }

    @Override
    void encodeFragment(String text, boolean atStart, boolean afterToken, IntList out) {
        if (normalization != null) {
            text = Normalizer.normalize(text, normalization);
        }
        if (addPrefixSpace && (atStart || afterToken) && !text.startsWith(" ")) {
            text = " " + text;
        }
        if (split == null) {
            encodeWord(text, out);
            return;
        }
        Matcher m = split.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                encodeWord(text.substring(last, m.start()), out);
            }
            if (m.end() > m.start()) {
                encodeWord(m.group(), out);
            }
            last = m.end();
        }
        if (last < text.length()) {
            encodeWord(text.substring(last), out);
        }
    }

    private void encodeWord(String word, IntList out) {
        int[] cached = wordCache.get(word);
        if (cached == null) {
            cached = bpe(ByteLevelAlphabet.encode(word.getBytes(StandardCharsets.UTF_8)));
            if (wordCache.size() < CACHE_LIMIT) {
                wordCache.put(word, cached);
            }
        }
        out.addAll(cached);
    }

    private int[] bpe(String mapped) {
        if (ignoreMerges) {
            int whole = vocab.id(mapped);
            if (whole >= 0) {
                return new int[] {whole};
            }
        }
        List<String> pieces = PairMerger.merge(PairMerger.codePoints(mapped), (l, r) -> {
            Integer rank = mergeRanks.get(l + " " + r);
            return rank == null ? Double.NaN : -rank;
        });
        IntList ids = new IntList();
        for (String piece : pieces) {
            int id = vocab.id(piece);
            if (id >= 0) {
                ids.add(id);
            } else {
                // a merge result or byte missing from the vocabulary: fall back per character
                for (String c : PairMerger.codePoints(piece)) {
                    int cid = vocab.id(c);
                    if (cid >= 0) {
                        ids.add(cid);
                    } else if (vocab.unknownId() >= 0) {
                        ids.add(vocab.unknownId());
                    } else {
                        throw new IllegalArgumentException("byte-level piece '" + c + "' is not in the vocabulary");
                    }
                }
            }
        }
        return ids.toArray();
    }

    @Override
    void appendTokenBytes(int id, ByteArrayOutputStream out) {
        String text = vocab.text(id);
        byte[] bytes = new byte[text.length()];
        for (int i = 0; i < text.length(); i++) {
            int b = ByteLevelAlphabet.byteOf(text.charAt(i));
            if (b < 0) {
                // not a byte-level string (e.g. an added token): its text is literal, as in HF's decoder
                out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
                return;
            }
            bytes[i] = (byte) b;
        }
        out.writeBytes(bytes);
    }

    @Override
    boolean stripsLeadingSpace() {
        return false;
    }
}
