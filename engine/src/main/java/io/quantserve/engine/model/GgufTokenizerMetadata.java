package io.quantserve.engine.model;

import io.quantserve.engine.format.gguf.GgufWriter;
import io.quantserve.engine.tokenizer.ByteLevelBpeTokenizer;
import io.quantserve.engine.tokenizer.PreTokenizerPatterns;
import io.quantserve.engine.tokenizer.SentencePieceTokenizer;
import io.quantserve.engine.tokenizer.TokenType;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A Hugging Face folder's tokenizer as llama.cpp's {@code tokenizer.ggml.*} metadata, the keys convert_hf_to_gguf.py
 * writes: model ("llama" for SentencePiece, "gpt2" for byte-level BPE), tokens, scores (SentencePiece), token_type,
 * merges and pre (BPE), bos/eos/unknown/padding ids, add_bos_token/add_eos_token, add_space_prefix, and
 * {@code tokenizer.chat_template} from tokenizer_config.json.
 */
final class GgufTokenizerMetadata {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GgufTokenizerMetadata() {
    }

    /** Writes the tokenizer of {@code modelDir} if it has one; false when it has none. */
    static boolean write(GgufWriter w, Path modelDir) throws IOException {
        if (!Files.isRegularFile(modelDir.resolve("tokenizer.json"))
                && !Files.isRegularFile(modelDir.resolve("tokenizer.model"))) {
            return false;
        }
        Tokenizer t = Tokenizers.load(modelDir);
        int n = t.vocabSize();
        List<String> tokens = new ArrayList<>(n);
        int[] types = new int[n];
        int unknown = -1;
        for (int id = 0; id < n; id++) {
            tokens.add(t.tokenText(id));
            TokenType type = t.tokenType(id);
            types[id] = type.code();
            if (type == TokenType.UNKNOWN && unknown < 0) {
                unknown = id;
            }
        }
        switch (t) {
            case SentencePieceTokenizer sp -> {
                w.putString("tokenizer.ggml.model", "llama");
                w.putString("tokenizer.ggml.pre", "default");
                w.putStrings("tokenizer.ggml.tokens", tokens);
                w.putFloat32s("tokenizer.ggml.scores", sp.pieceScores());
                w.putInt32s("tokenizer.ggml.token_type", types);
                w.putBool("tokenizer.ggml.add_space_prefix", sp.addsDummyPrefix());
            }
            case ByteLevelBpeTokenizer bpe -> {
                w.putString("tokenizer.ggml.model", "gpt2");
                w.putString("tokenizer.ggml.pre", preName(bpe.splitPattern()));
                w.putStrings("tokenizer.ggml.tokens", tokens);
                w.putInt32s("tokenizer.ggml.token_type", types);
                w.putStrings("tokenizer.ggml.merges", bpe.merges());
            }
            default -> throw new IllegalArgumentException(modelDir + ": tokenizer " + t.getClass().getSimpleName()
                    + " has no GGUF form");
        }
        t.bosId().ifPresent(id -> w.putUint32("tokenizer.ggml.bos_token_id", id));
        int[] eos = t.eosIds();
        if (eos.length > 0) {
            w.putUint32("tokenizer.ggml.eos_token_id", eos[0]);
        }
        if (unknown >= 0) {
            w.putUint32("tokenizer.ggml.unknown_token_id", unknown);
        }
        JsonNode config = JSON.readTree(modelDir.resolve("config.json").toFile());
        if (config.hasNonNull("pad_token_id") && config.get("pad_token_id").isIntegralNumber()) {
            w.putUint32("tokenizer.ggml.padding_token_id", config.get("pad_token_id").asInt());
        }
        w.putBool("tokenizer.ggml.add_bos_token", t.addBosByDefault());
        w.putBool("tokenizer.ggml.add_eos_token", t.addEosByDefault());
        String template = chatTemplate(modelDir);
        if (template != null) {
            w.putString("tokenizer.chat_template", template);
        }
        return true;
    }

    /** llama.cpp's tokenizer.ggml.pre name for the split patterns the engine knows. */
    private static String preName(String pattern) {
        if (pattern == null || pattern.equals(PreTokenizerPatterns.GPT2)) {
            return "gpt-2";
        }
        if (pattern.equals(PreTokenizerPatterns.LLAMA3)) {
            return "llama-bpe";
        }
        if (pattern.equals(PreTokenizerPatterns.QWEN2)) {
            return "qwen2";
        }
        throw new IllegalArgumentException("byte-level BPE split pattern has no llama.cpp pre-tokenizer name: " + pattern);
    }

    /** tokenizer_config.json's chat_template: a string, or the "default" entry of a list of named templates. */
    private static String chatTemplate(Path modelDir) throws IOException {
        Path file = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode ct = JSON.readTree(file.toFile()).get("chat_template");
        if (ct == null || ct.isNull()) {
            return null;
        }
        if (ct.isString()) {
            return ct.asString();
        }
        if (ct.isArray()) {
            for (JsonNode named : ct) {
                if ("default".equals(named.path("name").asString(null))) {
                    return named.path("template").asString(null);
                }
            }
        }
        return null;
    }
}
