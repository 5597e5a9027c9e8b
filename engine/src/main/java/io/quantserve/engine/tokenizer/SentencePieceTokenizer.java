package io.quantserve.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece-style BPE with byte fallback (Llama 2, Mistral, TinyLlama, Phi-3).
 *
 * <p>Encoding: spaces become U+2581 "▁", a dummy-prefix "▁" goes in front of each fragment that
 * starts the input or follows a matched token, then adjacent pieces merge while the merged piece
 * is in the vocabulary — by piece score (tokenizer.model, GGUF) or by merge rank (tokenizer.json).
 * A leftover character that is not a piece becomes one {@code <0xXX>} byte token per UTF-8 byte,
 * or the unknown token when the vocabulary has no byte tokens.
 *
 * <p>Decoding: "▁" becomes a space, byte tokens become their byte, and the one space the dummy
 * prefix introduced at the start of the output is dropped.
 */
public final class SentencePieceTokenizer extends BaseTokenizer {
    static final char SPACE_MARK = '\u2581';

    private final float[] scores;
    private final Map<String, Integer> mergeRanks;
    private final boolean addDummyPrefix;
    private final boolean dummyPrefixAfterTokens;
    private final boolean removeExtraWhitespace;
    private final int[] byteTokens = new int[256];

    /**
     * @param scores      piece scores, used when {@code mergeRanks} is null
     * @param mergeRanks  rank of each merge keyed {@code left + " " + right} (tokenizer.json), or null
     * @param dummyPrefixAfterTokens whether text right after a matched token gets the dummy prefix
     *                    too (llama.cpp, HF Prepend normalizer) or only the start of the input
     *                    (HF Metaspace with prepend_scheme "first")
     */
    SentencePieceTokenizer(Vocabulary vocab, float[] scores, Map<String, Integer> mergeRanks,
                           boolean addDummyPrefix, boolean dummyPrefixAfterTokens, boolean removeExtraWhitespace) {
        super(vocab);
        if (scores == null && mergeRanks == null) {
            throw new IllegalArgumentException("need piece scores or merge ranks");
        }
        this.scores = scores;
        this.mergeRanks = mergeRanks;
        this.addDummyPrefix = addDummyPrefix;
        this.dummyPrefixAfterTokens = dummyPrefixAfterTokens;
        this.removeExtraWhitespace = removeExtraWhitespace;
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = vocab.id(String.format("<0x%02X>", b));
        }
    }

    public boolean addsDummyPrefix() {
        return addDummyPrefix;
    }

    /**
     * The piece scores that order merges (higher first), for writing the vocabulary elsewhere (GGUF). A tokenizer.json
     * vocabulary merges by rank instead: its merged pieces get score -(rank + 1) of the best merge making them, so ordering by score reproduces the ranks.
     */
    public float[] pieceScores() {
        if (scores != null) {
            return scores.clone();
        }
        float[] s = new float[vocabSize()];
        mergeRanks.forEach((pair, rank) -> idOf(pair.replace(" ", "")).ifPresent(id -> {
            float score = -(rank + 1f);
            if (s[id] == 0 || score > s[id]) {
                s[id] = score;
            }
        }));
        return s;
    }

    @Override
    void encodeFragment(String text, boolean atStart, boolean afterToken, IntList out) {
        if (removeExtraWhitespace) {
            text = text.strip().replaceAll(" {2,}", " ");
        }
        if (text.isEmpty()) {
            return;
        }
        String escaped = ((addDummyPrefix && (atStart || (afterToken && dummyPrefixAfterTokens))) ? " " + text : text).replace(' ', SPACE_MARK);
        List<String> pieces = PairMerger.merge(PairMerger.codePoints(escaped), this::priority);
        for (String piece : pieces) {
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                appendByteFallback(piece, out);
            }
        }
    }

    private double priority(String left, String right) {
        if (mergeRanks != null) {
            Integer rank = mergeRanks.get(left + " " + right);
            return rank == null ? Double.NaN : -rank;
        }
        int id = vocab.id(left + right);
        return id < 0 ? Double.NaN : scores[id];
    }

    private void appendByteFallback(String piece, IntList out) {
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            int id = byteTokens[b & 0xFF];
            if (id < 0) {
                // no byte pieces in this vocabulary: the whole piece is unknown
                if (vocab.unknownId() < 0) {
                    throw new IllegalArgumentException("cannot encode '" + piece
                            + "': no byte-fallback pieces and no unknown token");
                }
                out.add(vocab.unknownId());
                return;
            }
            out.add(id);
        }
    }

    @Override
    void appendTokenBytes(int id, ByteArrayOutputStream out) {
        String text = vocab.text(id);
        if (vocab.type(id) == TokenType.BYTE) {
            out.write(parseByteToken(text));
        } else {
            out.writeBytes(text.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8));
        }
    }

    private static int parseByteToken(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            return Integer.parseInt(text, 3, 5, 16);
        }
        throw new IllegalArgumentException("byte token '" + text + "' is not of the form <0xXX>");
    }

    @Override
    boolean stripsLeadingSpace() {
        return addDummyPrefix;
    }
}
