package io.quantserve.engine.tokenizer;

import io.quantserve.engine.format.gguf.GgufFile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds a tokenizer from the {@code tokenizer.ggml.*} metadata of a GGUF file. */
final class GgufTokenizerLoader {
    private GgufTokenizerLoader() {
    }

    static Tokenizer load(GgufFile gguf) {
        if (!gguf.contains("tokenizer.ggml.model")) {
            throw new TokenizerFormatException(gguf.path(), "no tokenizer in metadata (tokenizer.ggml.model missing)");
        }
        String model = gguf.getString("tokenizer.ggml.model");
        return switch (model) {
            case "llama" -> sentencePiece(gguf);
            case "gpt2" -> byteLevel(gguf);
            default -> throw new TokenizerFormatException(gguf.path(),
                    "unsupported tokenizer type tokenizer.ggml.model = \"" + model + "\" (supported: llama, gpt2)");
        };
    }

    private static SentencePieceTokenizer sentencePiece(GgufFile gguf) {
        List<String> tokens = gguf.getStringList("tokenizer.ggml.tokens");
        float[] scores = gguf.contains("tokenizer.ggml.scores")
                ? gguf.getFloatArray("tokenizer.ggml.scores") : new float[tokens.size()];
        if (scores.length != tokens.size()) {
            throw new TokenizerFormatException(gguf.path(), tokens.size() + " tokens but " + scores.length + " scores");
        }
        Vocabulary vocab = vocabulary(gguf, tokens, true);
        boolean addSpacePrefix = gguf.findBoolean("tokenizer.ggml.add_space_prefix").orElse(true);
        return new SentencePieceTokenizer(vocab, scores, null, addSpacePrefix, true, false);
    }

    private static ByteLevelBpeTokenizer byteLevel(GgufFile gguf) {
        List<String> tokens = gguf.getStringList("tokenizer.ggml.tokens");
        List<String> merges = gguf.getStringList("tokenizer.ggml.merges");
        Map<String, Integer> ranks = new HashMap<>(merges.size() * 2);
        for (int i = 0; i < merges.size(); i++) {
            ranks.putIfAbsent(merges.get(i), i);
        }
        String pre = gguf.findString("tokenizer.ggml.pre").orElse("default");
        String pattern = PreTokenizerPatterns.forGgufPre(pre);
        if (pattern == null) {
            throw new TokenizerFormatException(gguf.path(), "unsupported pre-tokenizer tokenizer.ggml.pre = \""
                    + pre + "\" (supported: default, gpt-2, llama-bpe, llama3, qwen2)");
        }
        // llama.cpp emits a word that is itself a token whole for Llama 3, like HF's ignore_merges
        boolean ignoreMerges = pattern.equals(PreTokenizerPatterns.LLAMA3);
        Vocabulary vocab = vocabulary(gguf, tokens, false);
        java.text.Normalizer.Form nfc = pre.equals("qwen2") ? java.text.Normalizer.Form.NFC : null;
        return new ByteLevelBpeTokenizer(vocab, pattern, ranks, ignoreMerges, false, nfc);
    }

    private static Vocabulary vocabulary(GgufFile gguf, List<String> tokens, boolean addBosDefault) {
        List<TokenType> types = new ArrayList<>(tokens.size());
        if (gguf.contains("tokenizer.ggml.token_type")) {
            int[] codes = gguf.getIntArray("tokenizer.ggml.token_type");
            if (codes.length != tokens.size()) {
                throw new TokenizerFormatException(gguf.path(), tokens.size() + " tokens but " + codes.length + " token types");
            }
            for (int c : codes) {
                types.add(TokenType.fromCode(c));
            }
        } else {
            tokens.forEach(t -> types.add(TokenType.NORMAL));
        }
        int bos = id(gguf, "tokenizer.ggml.bos_token_id");
        List<Integer> eos = new ArrayList<>();
        for (String key : new String[] {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
                "tokenizer.ggml.eom_token_id"}) {
            int id = id(gguf, key);
            if (id >= 0) {
                eos.add(id);
            }
        }
        int unk = id(gguf, "tokenizer.ggml.unknown_token_id");
        boolean addBos = gguf.findBoolean("tokenizer.ggml.add_bos_token").orElse(addBosDefault);
        boolean addEos = gguf.findBoolean("tokenizer.ggml.add_eos_token").orElse(false);
        return new Vocabulary(tokens, types, bos, eos.stream().mapToInt(Integer::intValue).toArray(), unk, addBos, addEos);
    }

    /** A token id key, or -1 when absent or stored as the "none" value 0xFFFFFFFF. */
    private static int id(GgufFile gguf, String key) {
        if (!gguf.contains(key)) {
            return -1;
        }
        long v = gguf.getLong(key);
        return v < 0 || v > Integer.MAX_VALUE ? -1 : (int) v;
    }
}
