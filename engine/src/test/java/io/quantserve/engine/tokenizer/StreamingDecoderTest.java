package io.quantserve.engine.tokenizer;

import io.quantserve.engine.format.gguf.GgufFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Streaming decode holds back partial UTF-8 characters and follows the leading-space rule. */
class StreamingDecoderTest {
    private static Tokenizer spm;
    private static Tokenizer gpt2;

    @BeforeAll
    static void load() throws IOException {
        try (GgufFile a = GgufFile.open(VocabVectors.vocab("ggml-vocab-llama-spm.gguf"));
             GgufFile b = GgufFile.open(VocabVectors.vocab("ggml-vocab-gpt-2.gguf"))) {
            spm = Tokenizers.fromGguf(a);
            gpt2 = Tokenizers.fromGguf(b);
        }
    }

    private static List<String> stream(Tokenizer t, int[] ids, boolean skipSpecial) {
        StreamingDecoder d = t.newStreamingDecoder(skipSpecial);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(d.accept(id));
        }
        pieces.add(d.finish());
        return pieces;
    }

    @Test
    void byteFallbackCharacterIsHeldUntilComplete() {
        // "🧙" → ▁ <0xF0> <0x9F> <0xA7> <0x99>
        int[] ids = spm.encode("a🧙b");
        List<String> pieces = stream(spm, ids, false);
        assertThat(String.join("", pieces)).isEqualTo("a🧙b");
        assertThat(pieces).noneMatch(p -> p.contains("\uFFFD"));
        // nothing comes out while the 4 bytes are incomplete, then the whole character at once
        assertThat(pieces).contains("🧙");
        for (String p : pieces) {
            assertThat(p.chars().filter(c -> Character.isHighSurrogate((char) c)).count())
                    .isEqualTo(p.chars().filter(c -> Character.isLowSurrogate((char) c)).count());
        }
    }

    @Test
    void byteLevelCharacterSplitAcrossTokens() {
        String text = "Привет, 世界! 🦙🦙 ⽅⽅";
        int[] ids = gpt2.encode(text);
        List<String> pieces = stream(gpt2, ids, false);
        assertThat(String.join("", pieces)).isEqualTo(text);
        assertThat(pieces).noneMatch(p -> p.contains("\uFFFD"));
        assertThat(ids.length).isGreaterThan(text.codePointCount(0, text.length()) / 2);
    }

    @Test
    void noSpuriousLeadingSpaceAfterSkippedBos() {
        int[] ids = {1, 15043, 3186}; // <s> ▁Hello ▁world
        List<String> pieces = stream(spm, ids, true);
        assertThat(pieces).containsExactly("", "Hello", " world", "");
        assertThat(String.join("", stream(spm, ids, false))).isEqualTo(spm.decode(ids)).isEqualTo("<s> Hello world");
    }

    @Test
    void continuationOfAPromptKeepsItsLeadingSpace() {
        int[] prompt = {1, 15043}; // <s> ▁Hello
        int[] generated = {3186, 29991}; // ▁world !
        StreamingDecoder d = spm.newStreamingDecoder(true, prompt);
        assertThat(d.accept(generated[0]) + d.accept(generated[1]) + d.finish())
                .isEqualTo(" world!")
                .isEqualTo(spm.decode(new int[] {1, 15043, 3186, 29991}, true).substring(spm.decode(prompt, true).length()));
        // a prompt that renders nothing (only the skipped BOS): the output starts the text and drops the space
        StreamingDecoder fromBos = spm.newStreamingDecoder(true, new int[] {1});
        assertThat(fromBos.accept(3186) + fromBos.finish()).isEqualTo("world");
        // BOS rendered (special tokens kept): the space stays
        StreamingDecoder withBos = spm.newStreamingDecoder(false, new int[] {1});
        assertThat(withBos.accept(3186)).isEqualTo(" world");
        // byte-level BPE never drops a space
        int[] ids = gpt2.encode("Hello world");
        StreamingDecoder bpe = gpt2.newStreamingDecoder(true, new int[] {ids[0]});
        assertThat(bpe.accept(ids[1]) + bpe.finish()).isEqualTo(" world");
    }

    @Test
    void incompleteTailIsFlushedAsReplacementLikeDecode() {
        int[] ids = {0xE2 + 3}; // <0xE2> alone: a truncated 3-byte character
        StreamingDecoder d = spm.newStreamingDecoder();
        assertThat(d.accept(ids[0])).isEmpty();
        assertThat(d.hasPendingBytes()).isTrue();
        assertThat(d.finish()).isEqualTo(spm.decode(ids)).isEqualTo("\uFFFD");
    }
}
