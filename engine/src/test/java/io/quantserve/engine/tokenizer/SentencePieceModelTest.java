package io.quantserve.engine.tokenizer;

import io.quantserve.engine.testing.Fixtures;

import io.quantserve.engine.format.gguf.GgufFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Llama 2's tokenizer.model (protobuf) against the same vocabulary from GGUF. */
class SentencePieceModelTest {
    private static Tokenizer fromModel;
    private static Tokenizer fromGguf;

    @BeforeAll
    static void load() throws IOException {
        fromModel = Tokenizers.fromSentencePieceModel(Fixtures.root().resolve("tokenizers/llama2/tokenizer.model"));
        try (GgufFile gguf = GgufFile.open(VocabVectors.vocab("ggml-vocab-llama-spm.gguf"))) {
            fromGguf = Tokenizers.fromGguf(gguf);
        }
    }

    @Test
    void readsPiecesAndSpecialIds() {
        assertThat(fromModel).isInstanceOf(SentencePieceTokenizer.class);
        assertThat(fromModel.vocabSize()).isEqualTo(32000);
        assertThat(fromModel.bosId()).hasValue(1);
        assertThat(fromModel.eosIds()).containsExactly(2);
        assertThat(fromModel.addBosByDefault()).isTrue();
        assertThat(fromModel.tokenText(0)).isEqualTo("<unk>");
        assertThat(fromModel.tokenType(0)).isEqualTo(TokenType.UNKNOWN);
        assertThat(fromModel.tokenType(1)).isEqualTo(TokenType.CONTROL);
        assertThat(fromModel.tokenText(13)).isEqualTo("<0x0A>");
        assertThat(fromModel.tokenType(13)).isEqualTo(TokenType.BYTE);
        assertThat(fromModel.idOf("▁Hello")).hasValue(15043);
        for (int id = 0; id < 32000; id++) {
            assertThat(fromModel.tokenText(id)).isEqualTo(fromGguf.tokenText(id));
        }
    }

    @Test
    void matchesGgufVocabularyOnAllTestVectors() throws IOException {
        for (VocabVectors.Case c : VocabVectors.cases("ggml-vocab-llama-spm.gguf")) {
            assertThat(fromModel.encode(c.text())).as(c.toString()).containsExactly(c.expected());
            assertThat(fromModel.encode(c.text())).as(c.toString()).containsExactly(fromGguf.encode(c.text()));
        }
    }

    @Test
    void byteFallbackForCharactersOutsideTheVocabulary() {
        // U+1F9D9 (mage emoji) is not a piece: four byte tokens <0xF0><0x9F><0xA7><0x99>
        int[] ids = fromModel.encode("🧙");
        assertThat(ids).containsExactly(29871, 0xF0 + 3, 0x9F + 3, 0xA7 + 3, 0x99 + 3);
        assertThat(fromModel.decode(ids)).isEqualTo("🧙");
        for (String s : new String[] {"日本語のテキスト", "ꙮ rare", "a🦙b", "Ünïcödé ﬁ"}) {
            assertThat(fromModel.decode(fromModel.encode(s))).isEqualTo(s);
        }
    }

    @Test
    void specialTokensOnlyWithEncodeWithSpecials() {
        String text = "<s>[INST] Hi [/INST] Hello</s>";
        int[] plain = fromModel.encode(text);
        assertThat(plain).doesNotContain(1, 2);
        assertThat(fromModel.decode(plain)).isEqualTo(text);

        int[] special = fromModel.encodeWithSpecials(text);
        assertThat(special[0]).isEqualTo(1);
        assertThat(special[special.length - 1]).isEqualTo(2);
        // as in llama.cpp, the text after a special token gets the dummy-prefix space again
        int[] inner = Arrays.copyOfRange(special, 1, special.length - 1);
        assertThat(inner).containsExactly(fromModel.encode("[INST] Hi [/INST] Hello"));
        assertThat(fromModel.decode(special)).isEqualTo("<s> [INST] Hi [/INST] Hello</s>");
        assertThat(fromModel.decode(special, true)).isEqualTo("[INST] Hi [/INST] Hello");
    }

    @Test
    void decodeDropsOnlyTheDummyPrefixSpace() {
        assertThat(fromModel.decode(fromModel.encode(" leading"))).isEqualTo(" leading");
        assertThat(fromModel.decode(new int[] {1, 15043}, true)).isEqualTo("Hello");
        assertThat(fromModel.decode(new int[] {15043, 15043})).isEqualTo("Hello Hello");
    }

    @Test
    void truncatedModelIsAClearError(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(Fixtures.root().resolve("tokenizers/llama2/tokenizer.model"));
        Path truncated = dir.resolve("tokenizer.model");
        Files.write(truncated, Arrays.copyOf(full, full.length / 2 + 3));
        assertThatThrownBy(() -> Tokenizers.load(dir))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining(truncated.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void garbageIsAClearError(@TempDir Path dir) throws IOException {
        Path garbage = dir.resolve("tokenizer.model");
        Files.writeString(garbage, "this is not a protobuf");
        assertThatThrownBy(() -> Tokenizers.load(dir))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining(garbage.toString());
    }

    @Test
    void emptyFolderIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> Tokenizers.load(dir))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining("no tokenizer.json or tokenizer.model");
    }
}
