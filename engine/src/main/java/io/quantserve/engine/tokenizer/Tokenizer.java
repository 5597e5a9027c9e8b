package io.quantserve.engine.tokenizer;

import java.util.OptionalInt;

/**
 * Text ↔ token ids for one model vocabulary.
 *
 * <p>{@link #encode} never adds BOS/EOS and never turns special-token strings in the text
 * (e.g. {@code "<s>"}, {@code "<|im_start|>"}) into their ids: user text stays text. Non-special
 * added tokens (SentencePiece USER_DEFINED pieces, {@code added_tokens} with {@code special: false})
 * are matched as whole tokens, as Hugging Face tokenizers and llama.cpp do.
 * {@link #encodeWithSpecials} also matches special tokens; use it for rendered chat templates.
 */
public interface Tokenizer {

    /** Plain text to ids, without BOS/EOS and without interpreting special tokens. */
    int[] encode(String text);

    /** Like {@link #encode} but special-token strings in the text become their ids. */
    int[] encodeWithSpecials(String text);

    /** All ids to text, special tokens rendered as their text. */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /** Ids to text; with {@code skipSpecialTokens}, control/special tokens (BOS, EOS, ...) produce nothing. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /**
     * The bytes {@code id} contributes to decoded text on its own: SentencePiece's ▁ as a space, a byte-fallback or
     * byte-level piece as its raw byte(s) (possibly part of a UTF-8 character), special tokens as their text. No
     * leading-space stripping: that applies to a whole output only.
     */
    byte[] tokenBytes(int id);

    /** Number of ids, i.e. one past the largest valid id. */
    int vocabSize();

    OptionalInt bosId();

    /** Ids that end generation (EOS and end-of-turn tokens); may be empty or several. */
    int[] eosIds();

    /** Whether prompts for this model conventionally start with BOS. */
    boolean addBosByDefault();

    /** Whether encodings conventionally end with EOS (rare; most models say no). */
    boolean addEosByDefault();

    /** The raw vocabulary entry for {@code id} (e.g. {@code "▁the"}, {@code "Ġthe"}, {@code "<0x0A>"}). */
    String tokenText(int id);

    /** The id of a raw vocabulary entry, if present. */
    OptionalInt idOf(String token);

    /** The type of token {@code id}. */
    TokenType tokenType(int id);

    /** Whether {@code id} is a special (control) token that {@code skipSpecialTokens} drops. */
    boolean isSpecial(int id);

    /** An incremental decoder that renders every token, as {@link #decode(int[])} does. */
    default StreamingDecoder newStreamingDecoder() {
        return newStreamingDecoder(false);
    }

    /** An incremental decoder; with {@code skipSpecialTokens}, special tokens produce nothing. */
    StreamingDecoder newStreamingDecoder(boolean skipSpecialTokens);

    /**
     * An incremental decoder for ids that follow {@code context} (a prompt): its output is
     * {@code decode(context + ids)} minus {@code decode(context)}, so a generated " upon" after "Once" keeps its
     * space, where a decoder at the start of the text drops SentencePiece's dummy-prefix space.
     */
    StreamingDecoder newStreamingDecoder(boolean skipSpecialTokens, int[] context);
}
