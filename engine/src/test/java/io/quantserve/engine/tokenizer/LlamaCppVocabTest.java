package io.quantserve.engine.tokenizer;

import io.quantserve.engine.format.gguf.GgufFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** llama.cpp's tokenizer test vectors (produced by Hugging Face tokenizers) against our GGUF tokenizers. */
class LlamaCppVocabTest {
    private static final Map<String, Tokenizer> TOKENIZERS = new HashMap<>();
    private static final List<String> VOCABS = List.of("ggml-vocab-llama-spm.gguf", "ggml-vocab-phi-3.gguf",
            "ggml-vocab-gpt-2.gguf");

    @BeforeAll
    static void load() throws IOException {
        for (String name : VOCABS) {
            try (GgufFile gguf = GgufFile.open(VocabVectors.vocab(name))) {
                TOKENIZERS.put(name, Tokenizers.fromGguf(gguf));
            }
        }
    }

    @AfterAll
    static void clear() {
        TOKENIZERS.clear();
    }

    record VocabCase(String vocab, VocabVectors.Case c) {
        @Override
        public String toString() {
            return vocab + " " + c;
        }
    }

    static List<VocabCase> cases() throws IOException {
        return VOCABS.stream().flatMap(v -> {
            try {
                return VocabVectors.cases(v).stream().map(c -> new VocabCase(v, c));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void encodesLikeHuggingFace(VocabCase vc) {
        Tokenizer t = TOKENIZERS.get(vc.vocab());
        assertThat(t.encode(vc.c().text())).containsExactly(vc.c().expected());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodeInvertsEncode(VocabCase vc) {
        Tokenizer t = TOKENIZERS.get(vc.vocab());
        int[] ids = t.encode(vc.c().text());
        assertThat(t.decode(ids)).isEqualTo(vc.c().text());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void streamingMatchesDecode(VocabCase vc) {
        Tokenizer t = TOKENIZERS.get(vc.vocab());
        int[] ids = t.encode(vc.c().text());
        StreamingDecoder stream = t.newStreamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String piece = stream.accept(id);
            assertThat(piece).doesNotContain("\uFFFD");
            sb.append(piece);
        }
        sb.append(stream.finish());
        assertThat(sb.toString()).isEqualTo(t.decode(ids));
    }

    @Test
    void vocabularySizesAndSpecialIds() {
        Tokenizer spm = TOKENIZERS.get("ggml-vocab-llama-spm.gguf");
        assertThat(spm.vocabSize()).isEqualTo(32000);
        assertThat(spm.bosId()).hasValue(1);
        assertThat(spm.eosIds()).containsExactly(2);
        assertThat(spm.addBosByDefault()).isTrue();
        Tokenizer gpt2 = TOKENIZERS.get("ggml-vocab-gpt-2.gguf");
        assertThat(gpt2.vocabSize()).isEqualTo(50257);
        assertThat(gpt2.eosIds()).containsExactly(50256);
        Tokenizer phi3 = TOKENIZERS.get("ggml-vocab-phi-3.gguf");
        assertThat(phi3.vocabSize()).isEqualTo(32064);
        assertThat(phi3.eosIds()).containsExactly(32000);
    }
}
