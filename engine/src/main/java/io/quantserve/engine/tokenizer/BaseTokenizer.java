package io.quantserve.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/**
 * What every implementation shares: added/special token splitting, the vocabulary queries and
 * byte-level decoding. Subclasses say how a plain fragment becomes ids and what bytes a normal
 * token stands for.
 */
abstract sealed class BaseTokenizer implements Tokenizer permits SentencePieceTokenizer, ByteLevelBpeTokenizer {
    protected final Vocabulary vocab;
    private final SpecialTokenSplitter addedTokens;
    private final SpecialTokenSplitter addedAndSpecialTokens;

    BaseTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.addedTokens = new SpecialTokenSplitter(vocab, false);
        this.addedAndSpecialTokens = new SpecialTokenSplitter(vocab, true);
    }

    /**
     * Encodes one fragment of plain text.
     *
     * @param atStart    true for the first fragment of the input
     * @param afterToken true right after a matched added/special token (SentencePiece adds its
     *                   dummy-prefix space there too, as llama.cpp and HF's Prepend normalizer do)
     */
    abstract void encodeFragment(String text, boolean atStart, boolean afterToken, IntList out);

    /** The bytes a non-special token stands for. */
    abstract void appendTokenBytes(int id, ByteArrayOutputStream out);

    /** Whether decoding drops one space at the very start (SentencePiece's dummy prefix). */
    abstract boolean stripsLeadingSpace();

    @Override
    public int[] encode(String text) {
        return encode(text, addedTokens);
    }

    @Override
    public int[] encodeWithSpecials(String text) {
        return encode(text, addedAndSpecialTokens);
    }

    private int[] encode(String text, SpecialTokenSplitter splitter) {
        IntList out = new IntList();
        boolean atStart = true;
        boolean afterToken = false;
        for (SpecialTokenSplitter.Fragment f : splitter.split(text)) {
            if (f.isToken()) {
                out.add(f.id());
                afterToken = true;
            } else {
                encodeFragment(f.text(), atStart, afterToken, out);
                afterToken = false;
            }
            atStart = false;
        }
        return out.toArray();
    }

    /** Appends what {@code id} decodes to; special and added tokens decode to their literal text. */
    final void appendDecoded(int id, boolean skipSpecialTokens, ByteArrayOutputStream out) {
        TokenType type = vocab.type(id);
        if (vocab.isSpecial(id)) {
            if (!skipSpecialTokens) {
                out.writeBytes(vocab.text(id).getBytes(StandardCharsets.UTF_8));
            }
        } else if (type == TokenType.USER_DEFINED) {
            out.writeBytes(vocab.text(id).getBytes(StandardCharsets.UTF_8));
        } else {
            appendTokenBytes(id, out);
        }
    }

    @Override
    public byte[] tokenBytes(int id) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        appendDecoded(id, false, bytes);
        return bytes.toByteArray();
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            appendDecoded(id, skipSpecialTokens, bytes);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        return stripsLeadingSpace() && text.startsWith(" ") ? text.substring(1) : text;
    }

    @Override
    public StreamingDecoder newStreamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens, false);
    }

    @Override
    public StreamingDecoder newStreamingDecoder(boolean skipSpecialTokens, int[] context) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < context.length && bytes.size() == 0; i++) {
            appendDecoded(context[i], skipSpecialTokens, bytes);
        }
        return new StreamingDecoder(this, skipSpecialTokens, bytes.size() > 0);
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public OptionalInt bosId() {
        return vocab.bos();
    }

    @Override
    public int[] eosIds() {
        return vocab.eos();
    }

    @Override
    public boolean addBosByDefault() {
        return vocab.addBos();
    }

    @Override
    public boolean addEosByDefault() {
        return vocab.addEos();
    }

    @Override
    public String tokenText(int id) {
        return vocab.text(id);
    }

    @Override
    public OptionalInt idOf(String token) {
        return vocab.find(token);
    }

    @Override
    public TokenType tokenType(int id) {
        return vocab.type(id);
    }

    @Override
    public boolean isSpecial(int id) {
        return vocab.isSpecial(id);
    }
}
