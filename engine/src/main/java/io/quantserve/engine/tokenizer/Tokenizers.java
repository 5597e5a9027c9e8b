package io.quantserve.engine.tokenizer;

import io.quantserve.engine.format.gguf.GgufFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Entry points that find and load a model's tokenizer. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * Loads the tokenizer of a Hugging Face model folder: {@code tokenizer.json} if present,
     * else {@code tokenizer.model}; {@code tokenizer_config.json} (and {@code generation_config.json}
     * for extra EOS ids) refine BOS/EOS.
     *
     * @throws TokenizerFormatException if no tokenizer file is there or it cannot be understood
     */
    public static Tokenizer load(Path modelDir) throws IOException {
        Path json = modelDir.resolve("tokenizer.json");
        Path model = modelDir.resolve("tokenizer.model");
        TokenizerConfig config = TokenizerConfig.read(modelDir);
        if (Files.isRegularFile(json)) {
            return TokenizerJsonLoader.load(json, config);
        }
        if (Files.isRegularFile(model)) {
            return SentencePieceModelLoader.load(model, config);
        }
        throw new TokenizerFormatException(modelDir, "no tokenizer.json or tokenizer.model in this folder");
    }

    /** Loads {@code tokenizer.json}, with the tokenizer_config.json next to it if there is one. */
    public static Tokenizer fromTokenizerJson(Path tokenizerJson) throws IOException {
        return TokenizerJsonLoader.load(tokenizerJson, TokenizerConfig.read(tokenizerJson.toAbsolutePath().getParent()));
    }

    /** Loads a SentencePiece {@code tokenizer.model}, with the tokenizer_config.json next to it if there is one. */
    public static Tokenizer fromSentencePieceModel(Path tokenizerModel) throws IOException {
        return SentencePieceModelLoader.load(tokenizerModel, TokenizerConfig.read(tokenizerModel.toAbsolutePath().getParent()));
    }

    /**
     * A tokenizer given apart from the model, for a model that has none or to use another: a {@code .gguf} file's
     * metadata, a {@code tokenizer.json} or a SentencePiece {@code tokenizer.model} (by the file's name). Refused when
     * it has more token ids than the model's {@code vocabSize}: those ids would have no embedding.
     */
    public static Tokenizer fromFile(Path file, int vocabSize) throws IOException {
        Tokenizer tokenizer = fromFile(file);
        if (tokenizer.vocabSize() > vocabSize) {
            throw new IllegalArgumentException(file + ": has " + tokenizer.vocabSize() + " token ids but the model's "
                    + "vocab_size is " + vocabSize + " (not this model's tokenizer)");
        }
        return tokenizer;
    }

    /** A {@code .gguf} file's tokenizer metadata, a {@code tokenizer.json} or a {@code tokenizer.model}, by name. */
    public static Tokenizer fromFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such tokenizer file");
        }
        String name = file.getFileName().toString();
        if (name.endsWith(".gguf")) {
            try (GgufFile gguf = GgufFile.open(file)) {
                return fromGguf(gguf);
            }
        }
        if (name.endsWith(".json")) {
            return fromTokenizerJson(file);
        }
        if (name.endsWith(".model")) {
            return fromSentencePieceModel(file);
        }
        throw new IllegalArgumentException(file + ": not a tokenizer (expected .gguf, tokenizer.json or "
                + "tokenizer.model)");
    }

    /** The tokenizer stored in GGUF metadata ({@code tokenizer.ggml.model} "llama" or "gpt2"). */
    public static Tokenizer fromGguf(GgufFile gguf) {
        return GgufTokenizerLoader.load(gguf);
    }
}
