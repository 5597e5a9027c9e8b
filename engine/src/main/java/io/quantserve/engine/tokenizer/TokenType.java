package io.quantserve.engine.tokenizer;

/**
 * Kinds of vocabulary entries. The numbering (1..6) is shared by SentencePiece's
 * {@code ModelProto.SentencePiece.Type} and GGUF's {@code tokenizer.ggml.token_type}.
 */
public enum TokenType {
    NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for a stored code; 0 (undefined in old GGUF files) counts as NORMAL. */
    public static TokenType fromCode(int code) {
        if (code == 0) {
            return NORMAL;
        }
        for (TokenType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown token type " + code);
    }
}
