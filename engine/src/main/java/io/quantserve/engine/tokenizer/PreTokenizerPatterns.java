package io.quantserve.engine.tokenizer;

import java.util.regex.Pattern;

/**
 * Pre-tokenizer split patterns of byte-level BPE vocabularies, as written in their
 * tokenizer.json files, and their compilation for {@link java.util.regex}. Java regex already
 * understands {@code \p{L}}, {@code \p{N}}, {@code (?i:...)}, lookahead and possessive
 * quantifiers; {@link Pattern#UNICODE_CHARACTER_CLASS} makes {@code \s} match all Unicode
 * white space, as Oniguruma/fancy-regex do in Hugging Face tokenizers.
 */
public final class PreTokenizerPatterns {
    /** GPT-2 (ByteLevel pre-tokenizer with use_regex). */
    public static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Llama 3 (tiktoken cl100k-style, numbers in groups of up to three). */
    public static final String LLAMA3 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Qwen2 (like Llama 3 but single digits). */
    public static final String QWEN2 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private PreTokenizerPatterns() {
    }

    /** Compiles a tokenizer.json / GGUF split pattern for Java. */
    public static Pattern compile(String pattern) {
        return Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS);
    }

    /**
     * The pattern for a GGUF {@code tokenizer.ggml.pre} name, or null if unknown. Names follow
     * llama.cpp's list.
     */
    public static String forGgufPre(String pre) {
        return switch (pre) {
            case "default", "gpt-2", "gpt2" -> GPT2;
            case "llama-bpe", "llama3", "llama-v3", "smaug-bpe" -> LLAMA3;
            case "qwen2" -> QWEN2;
            default -> null;
        };
    }
}
