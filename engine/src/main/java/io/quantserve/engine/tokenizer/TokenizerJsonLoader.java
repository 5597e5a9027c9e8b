package io.quantserve.engine.tokenizer;

import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a Hugging Face {@code tokenizer.json} whose model is BPE, in either of its two common
 * set-ups: byte-level (a ByteLevel pre-tokenizer, optionally after a regex Split: GPT-2, Llama 3,
 * Qwen2) or SentencePiece-style (byte_fallback, "▁" via a Prepend/Replace normalizer or a
 * Metaspace pre-tokenizer: Llama 2, Mistral, TinyLlama).
 */
final class TokenizerJsonLoader {
    private TokenizerJsonLoader() {
    }

    static BaseTokenizer load(Path file, TokenizerConfig config) throws IOException {
        JsonNode root = TokenizerConfig.readJson(file);
        if (root == null) {
            throw new TokenizerFormatException(file, "file not found");
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw new TokenizerFormatException(file, "no \"model\" object: not a Hugging Face tokenizer.json");
        }
        String type = model.path("type").asString("");
        if (!type.equals("BPE")) {
            throw new TokenizerFormatException(file, "unsupported tokenizer model type \"" + type + "\" (only BPE)");
        }
        JsonNode vocabNode = model.get("vocab");
        JsonNode mergesNode = model.get("merges");
        if (vocabNode == null || !vocabNode.isObject() || mergesNode == null || !mergesNode.isArray()) {
            throw new TokenizerFormatException(file, "BPE model needs a \"vocab\" object and a \"merges\" array");
        }

        List<JsonNode> preTokenizers = flatten(root.get("pre_tokenizer"), "pretokenizers");
        List<JsonNode> normalizers = flatten(root.get("normalizer"), "normalizers");
        JsonNode byteLevel = firstOfType(preTokenizers, "ByteLevel");
        JsonNode metaspace = firstOfType(preTokenizers, "Metaspace");
        boolean prependsSpaceMark = normalizers.stream().anyMatch(n -> n.path("type").asString("").equals("Prepend")
                && n.path("prepend").asString("").equals("\u2581"));
        boolean sentencePiece = byteLevel == null
                && (model.path("byte_fallback").asBoolean(false) || metaspace != null || prependsSpaceMark);
        if (byteLevel == null && !sentencePiece) {
            throw new TokenizerFormatException(file, "unsupported BPE set-up: neither a ByteLevel pre-tokenizer "
                    + "nor SentencePiece-style byte_fallback/Metaspace");
        }

        // vocabulary: model.vocab plus added_tokens (which may extend it)
        Map<String, Integer> ids = new HashMap<>();
        int size = 0;
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            int id = e.getValue().asInt(-1);
            if (id < 0) {
                throw new TokenizerFormatException(file, "vocab entry \"" + e.getKey() + "\" has no valid id");
            }
            ids.put(e.getKey(), id);
            size = Math.max(size, id + 1);
        }
        JsonNode added = root.path("added_tokens");
        for (JsonNode a : added) {
            size = Math.max(size, a.path("id").asInt(-1) + 1);
        }
        String[] tokens = new String[size];
        TokenType[] types = new TokenType[size];
        Arrays.fill(tokens, "");
        Arrays.fill(types, TokenType.UNUSED);
        ids.forEach((token, id) -> {
            tokens[id] = token;
            types[id] = sentencePiece && token.length() == 6 && token.matches("<0x[0-9A-Fa-f]{2}>")
                    ? TokenType.BYTE : TokenType.NORMAL;
        });
        for (JsonNode a : added) {
            int id = a.path("id").asInt(-1);
            String content = a.path("content").asString(null);
            if (id < 0 || content == null) {
                throw new TokenizerFormatException(file, "added token without id or content: " + a);
            }
            tokens[id] = content;
            types[id] = a.path("special").asBoolean(false) ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        String unkToken = model.path("unk_token").asString(null);
        if (unkToken != null && ids.containsKey(unkToken)) {
            types[ids.get(unkToken)] = TokenType.UNKNOWN;
        }

        Map<String, Integer> ranks = new HashMap<>(mergesNode.size() * 2);
        int rank = 0;
        for (JsonNode m : mergesNode) {
            // "a b" (classic) or ["a", "b"] (tokenizers >= 0.20); byte-level and "▁" vocabularies hold no
            // spaces, so joining with one space is unambiguous
            String key;
            if (m.isString()) {
                key = m.asString();
            } else if (m.isArray() && m.size() == 2) {
                key = m.get(0).asString() + " " + m.get(1).asString();
            } else {
                throw new TokenizerFormatException(file, "merge #" + rank + " is neither \"a b\" nor [a, b]: " + m);
            }
            ranks.putIfAbsent(key, rank++);
        }

        Vocabulary vocab = vocabulary(file, root, Arrays.asList(tokens), Arrays.asList(types), config);
        boolean ignoreMerges = model.path("ignore_merges").asBoolean(false);
        if (sentencePiece) {
            // Metaspace: prepend_scheme "always" / "first" / "never" (older files: add_prefix_space)
            String scheme = metaspace == null ? "never" : metaspace.path("prepend_scheme").asString(
                    metaspace.path("add_prefix_space").asBoolean(true) ? "always" : "never");
            boolean dummyPrefix = prependsSpaceMark || !scheme.equals("never");
            boolean afterTokens = prependsSpaceMark || scheme.equals("always");
            return new SentencePieceTokenizer(vocab, null, ranks, dummyPrefix, afterTokens, false);
        }
        JsonNode split = firstOfType(preTokenizers, "Split");
        String pattern;
        if (split != null) {
            pattern = split.path("pattern").path("Regex").asString(null);
            if (pattern == null) {
                String literal = split.path("pattern").path("String").asString(null);
                if (literal == null) {
                    throw new TokenizerFormatException(file, "Split pre-tokenizer without a pattern");
                }
                pattern = java.util.regex.Pattern.quote(literal);
            }
        } else {
            pattern = byteLevel.path("use_regex").asBoolean(true) ? PreTokenizerPatterns.GPT2 : null;
        }
        try {
            PreTokenizerPatterns.compile(pattern == null ? "" : pattern);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new TokenizerFormatException(file, "pre-tokenizer regex does not compile in Java: " + e.getMessage(), e);
        }
        return new ByteLevelBpeTokenizer(vocab, pattern, ranks, ignoreMerges,
                byteLevel.path("add_prefix_space").asBoolean(false), normalization(file, normalizers));
    }

    private static Normalizer.Form normalization(Path file, List<JsonNode> normalizers) {
        Normalizer.Form form = null;
        for (JsonNode n : normalizers) {
            String type = n.path("type").asString("");
            switch (type) {
                case "NFC" -> form = Normalizer.Form.NFC;
                case "NFKC" -> form = Normalizer.Form.NFKC;
                case "NFD" -> form = Normalizer.Form.NFD;
                case "NFKD" -> form = Normalizer.Form.NFKD;
                default -> throw new TokenizerFormatException(file, "unsupported normalizer \"" + type
                        + "\" for a byte-level tokenizer");
            }
        }
        return form;
    }

    private static Vocabulary vocabulary(Path file, JsonNode root, List<String> tokens, List<TokenType> types,
                                         TokenizerConfig config) {
        Map<String, Integer> firstId = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            firstId.putIfAbsent(tokens.get(i), i);
        }
        // the post-processor template says which token a single sequence starts with
        Optional<String> templateBos = templateBos(root.get("post_processor"));
        Optional<String> bosToken = config.bosToken().or(() -> templateBos);
        int bos = bosToken.map(t -> firstId.getOrDefault(t, -1)).orElse(-1);
        List<Integer> eos = new ArrayList<>();
        config.eosToken().map(t -> firstId.getOrDefault(t, -1)).ifPresent(eos::add);
        eos.addAll(config.generationEosIds());
        boolean addBos = config.addBos().orElse(templateBos.isPresent());
        int unk = -1;
        for (int i = 0; i < types.size(); i++) {
            if (types.get(i) == TokenType.UNKNOWN) {
                unk = i;
                break;
            }
        }
        return new Vocabulary(tokens, types, bos, eos.stream().mapToInt(Integer::intValue).toArray(), unk,
                addBos, config.addEos().orElse(false));
    }

    /** The special token a TemplateProcessing "single" template starts with, if any. */
    private static Optional<String> templateBos(JsonNode postProcessor) {
        for (JsonNode p : flatten(postProcessor, "processors")) {
            if (p.path("type").asString("").equals("TemplateProcessing")) {
                JsonNode first = p.path("single").path(0);
                if (first.has("SpecialToken")) {
                    return Optional.ofNullable(first.path("SpecialToken").path("id").asString(null));
                }
            }
        }
        return Optional.empty();
    }

    /** A component, or the members of a "Sequence" of them, as a flat list. */
    private static List<JsonNode> flatten(JsonNode node, String membersField) {
        List<JsonNode> out = new ArrayList<>();
        if (node == null || node.isNull() || node.isMissingNode()) {
            return out;
        }
        if (node.path("type").asString("").equals("Sequence")) {
            for (JsonNode member : node.path(membersField)) {
                out.addAll(flatten(member, membersField));
            }
        } else {
            out.add(node);
        }
        return out;
    }

    private static JsonNode firstOfType(List<JsonNode> nodes, String type) {
        return nodes.stream().filter(n -> n.path("type").asString("").equals(type)).findFirst().orElse(null);
    }
}
