package io.quantserve.engine.guided;

import io.quantserve.engine.format.gguf.GgufFile;
import io.quantserve.engine.testing.Fixtures;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The fixture tokenizers, loaded once per test JVM. */
final class FixtureTokenizers {
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private FixtureTokenizers() {
    }

    /** One of the tokenizers below by name: llama2, gpt2 or stories260K. */
    static Tokenizer named(String name) {
        return switch (name) {
            case "llama2" -> llama2();
            case "gpt2" -> gpt2();
            case "stories260K" -> stories260K();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Llama 2's SentencePiece model: 32000 pieces, byte fallback. */
    static Tokenizer llama2() {
        return LOADED.computeIfAbsent("llama2", n -> {
            try {
                return Tokenizers.fromSentencePieceModel(Fixtures.root().resolve("tokenizers/llama2/tokenizer.model"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** GPT-2's byte-level BPE (50257 tokens). */
    static Tokenizer gpt2() {
        return gguf("tokenizers/llama-cpp-vocab/ggml-vocab-gpt-2.gguf");
    }

    /** stories260K's 512-piece SentencePiece vocabulary. */
    static Tokenizer stories260K() {
        return gguf("models/stories260K.gguf");
    }

    private static Tokenizer gguf(String path) {
        return LOADED.computeIfAbsent(path, p -> {
            try (GgufFile gguf = GgufFile.open(Fixtures.root().resolve(p))) {
                return Tokenizers.fromGguf(gguf);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
