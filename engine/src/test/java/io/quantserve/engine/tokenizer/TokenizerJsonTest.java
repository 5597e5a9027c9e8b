package io.quantserve.engine.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hugging Face tokenizer.json files written by hand, with encodings worked out by hand. */
class TokenizerJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A GPT-2 style byte-level BPE with a few merges. */
    private static ObjectNode tinyByteLevel(boolean pairMerges) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", 17).put("content", "<|endoftext|>").put("special", true);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        String[] tokens = {"!", "d", "e", "h", "l", "o", "r", "w", "Ġ", "he", "ll", "hell", "hello", "Ġw", "or", "Ġwor",
            "ld", "<|endoftext|>", "<", "|", "n", "t", "x", "f", ">"};
        for (int i = 0; i < tokens.length; i++) {
            vocab.put(tokens[i], i);
        }
        ArrayNode merges = model.putArray("merges");
        for (String m : new String[] {"h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d"}) {
            if (pairMerges) {
                merges.addArray().add(m.split(" ")[0]).add(m.split(" ")[1]);
            } else {
                merges.add(m);
            }
        }
        return root;
    }

    private static Tokenizer write(Path dir, ObjectNode tokenizerJson) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(tokenizerJson));
        return Tokenizers.load(dir);
    }

    @Test
    void byteLevelBpeByHand(@TempDir Path dir) throws IOException {
        Tokenizer t = write(dir, tinyByteLevel(false));
        assertThat(t).isInstanceOf(ByteLevelBpeTokenizer.class);
        // "hello" → h e l l o → he l l o → he ll o → hell o → hello
        // " world" → Ġ w o r l d → Ġw o r l d → Ġw or l d → Ġwor l d → Ġwor ld
        assertThat(t.encode("hello world!")).containsExactly(12, 15, 16, 0);
        // equal ranks: the leftmost pair merges first
        assertThat(t.encode("lll")).containsExactly(10, 4);
        assertThat(t.encode("hell")).containsExactly(11);
        assertThat(t.decode(t.encode("hello world!"))).isEqualTo("hello world!");
        assertThat(t.vocabSize()).isEqualTo(25);
        assertThat(t.bosId()).isEmpty();
        assertThat(t.addBosByDefault()).isFalse();
    }

    @Test
    void mergesAsPairsReadLikeMergesAsStrings(@TempDir Path dir) throws IOException {
        Tokenizer t = write(dir, tinyByteLevel(true));
        assertThat(t.encode("hello world!")).containsExactly(12, 15, 16, 0);
    }

    @Test
    void specialTokensOnlyOnRequest(@TempDir Path dir) throws IOException {
        Tokenizer t = write(dir, tinyByteLevel(false));
        assertThat(t.encodeWithSpecials("hello<|endoftext|>")).containsExactly(12, 17);
        int[] plain = t.encode("hello<|endoftext|>");
        assertThat(plain).doesNotContain(17).startsWith(12);
        assertThat(t.decode(plain)).isEqualTo("hello<|endoftext|>");
        assertThat(t.decode(new int[] {12, 17})).isEqualTo("hello<|endoftext|>");
        assertThat(t.decode(new int[] {12, 17}, true)).isEqualTo("hello");
        assertThat(t.isSpecial(17)).isTrue();
        assertThat(t.idOf("<|endoftext|>")).hasValue(17);
    }

    private static List<String> split(String pattern, String text) {
        Matcher m = PreTokenizerPatterns.compile(pattern).matcher(text);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    @Test
    void llama3AndGpt2SplitPatterns() {
        String text = "Hello world's 12345 don'T\n\n  x";
        assertThat(split(PreTokenizerPatterns.LLAMA3, text))
                .containsExactly("Hello", " world", "'s", " ", "123", "45", " don", "'T", "\n\n", " ", " x");
        assertThat(split(PreTokenizerPatterns.QWEN2, "a 123"))
                .containsExactly("a", " ", "1", "2", "3");
        assertThat(split(PreTokenizerPatterns.GPT2, text))
                .containsExactly("Hello", " world", "'s", " 12345", " don", "'", "T", "\n\n ", " x");
        // \s is Unicode white space, as in Oniguruma: U+3000 splits like spaces (\s+(?!\S), then \s+)
        // instead of forming one [^\s\p{L}\p{N}]+ run "\u3000\u3000"
        assertThat(split(PreTokenizerPatterns.GPT2, "a\u3000\u3000b")).containsExactly("a", "\u3000", "\u3000", "b");
        assertThat(split(PreTokenizerPatterns.LLAMA3, "ÉCOLE été")).containsExactly("ÉCOLE", " été");
    }

    /** Every byte as a one-character byte-level token, so any text encodes. */
    private static ObjectNode llama3Style() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model").put("type", "BPE").put("ignore_merges", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) {
            vocab.put(ByteLevelAlphabet.encode(new byte[] {(byte) b}), b);
        }
        vocab.put("Ġh", 256).put("Ġhi", 257).put("Ġthere", 258);
        model.putArray("merges").add("Ġ h").add("Ġh i");
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", 259).put("content", "<|begin_of_text|>").put("special", true);
        added.addObject().put("id", 260).put("content", "<|eot_id|>").put("special", true);
        ArrayNode pre = root.putObject("pre_tokenizer").put("type", "Sequence").putArray("pretokenizers");
        pre.addObject().put("type", "Split").put("behavior", "Isolated").put("invert", false)
                .putObject("pattern").put("Regex", PreTokenizerPatterns.LLAMA3);
        pre.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", false);
        ArrayNode processors = root.putObject("post_processor").put("type", "Sequence").putArray("processors");
        processors.addObject().put("type", "ByteLevel");
        ArrayNode single = processors.addObject().put("type", "TemplateProcessing").putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        return root;
    }

    @Test
    void llama3StyleTokenizerJson(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"eos_token\": {\"content\": \"<|eot_id|>\", \"special\": true}}");
        Tokenizer t = write(dir, llama3Style());
        assertThat(t.bosId()).hasValue(259);
        assertThat(t.addBosByDefault()).isTrue();
        assertThat(t.eosIds()).containsExactly(260);
        // ignore_merges: " there" is a vocabulary entry and comes out whole without any merge
        assertThat(t.encode("hi there")).containsExactly('h', 'i', 258);
        assertThat(t.encode(" hi")).containsExactly(257);
        assertThat(t.encodeWithSpecials("<|begin_of_text|> hi<|eot_id|>")).containsExactly(259, 257, 260);
        String multilingual = "Grüße, 世界 🦙 1234567";
        assertThat(t.decode(t.encode(multilingual))).isEqualTo(multilingual);
    }

    private static ObjectNode tinySentencePiece() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model").put("type", "BPE").put("byte_fallback", true).put("unk_token", "<unk>");
        ObjectNode vocab = model.putObject("vocab");
        vocab.put("<unk>", 0).put("<s>", 1).put("</s>", 2);
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format("<0x%02X>", b), 3 + b);
        }
        vocab.put("▁", 259).put("h", 260).put("i", 261).put("▁h", 262).put("▁hi", 263);
        model.putArray("merges").add("▁ h").add("▁h i");
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", 0).put("content", "<unk>").put("special", true);
        added.addObject().put("id", 1).put("content", "<s>").put("special", true);
        added.addObject().put("id", 2).put("content", "</s>").put("special", true);
        return root;
    }

    @Test
    void sentencePieceStyleTokenizerJson(@TempDir Path dir) throws IOException {
        ObjectNode root = tinySentencePiece();
        ArrayNode norms = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", "▁");
        norms.addObject().put("type", "Replace").put("content", "▁").putObject("pattern").put("String", " ");
        root.putObject("post_processor").put("type", "TemplateProcessing").putArray("single")
                .addObject().putObject("SpecialToken").put("id", "<s>");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"eos_token\": \"</s>\"}");
        Tokenizer t = write(dir, root);
        assertThat(t).isInstanceOf(SentencePieceTokenizer.class);
        // "▁hi▁hi!" → ▁h i ▁h i ! → ▁hi ▁hi !, and "!" (0x21) falls back to <0x21>
        assertThat(t.encode("hi hi!")).containsExactly(263, 263, 3 + 0x21);
        assertThat(t.decode(t.encode("hi hi!"))).isEqualTo("hi hi!");
        assertThat(t.tokenType(3 + 0x21)).isEqualTo(TokenType.BYTE);
        assertThat(t.bosId()).hasValue(1);
        assertThat(t.eosIds()).containsExactly(2);
        assertThat(t.addBosByDefault()).isTrue();
        assertThat(t.encodeWithSpecials("<s>hi")).containsExactly(1, 263);
    }

    @Test
    void metaspaceFirstPrependsOnlyAtTheStart(@TempDir Path dir) throws IOException {
        ObjectNode root = tinySentencePiece();
        root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "▁")
                .put("prepend_scheme", "first").put("split", false);
        Tokenizer t = write(dir, root);
        assertThat(t.encode("hi hi")).containsExactly(263, 263);
        // no dummy prefix after the special token: "hi" stays h i
        assertThat(t.encodeWithSpecials("<s>hi")).containsExactly(1, 260, 261);
    }

    @Test
    void unknownModelTypeIsAClearError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        assertThatThrownBy(() -> Tokenizers.load(dir))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("Unigram");
    }

    @Test
    void invalidJsonIsAClearError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"model\": ");
        assertThatThrownBy(() -> Tokenizers.load(dir))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void patternsCompileInJava() {
        for (String p : List.of(PreTokenizerPatterns.GPT2, PreTokenizerPatterns.LLAMA3, PreTokenizerPatterns.QWEN2)) {
            assertThat(PreTokenizerPatterns.compile(p)).isInstanceOf(Pattern.class);
        }
    }
}
