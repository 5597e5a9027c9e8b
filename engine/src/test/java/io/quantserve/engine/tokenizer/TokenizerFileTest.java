package io.quantserve.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Tokenizers#fromFile}: a tokenizer named apart from its model, by kind of file, checked against the model. */
class TokenizerFileTest {
    private static final Path GGUF = Fixtures.root().resolve("models/stories260K.gguf");
    private static final Path SENTENCEPIECE = Fixtures.root().resolve("tokenizers/llama2/tokenizer.model");

    @Test
    void readsAGgufsMetadataAndASentencePieceModel() throws Exception {
        assertThat(Tokenizers.fromFile(GGUF, 512).encode("Once upon a time")).isNotEmpty();
        assertThat(Tokenizers.fromFile(SENTENCEPIECE, 32000).vocabSize()).isEqualTo(32000);
        assertThat(Tokenizers.fromFile(SENTENCEPIECE, 32064).vocabSize()).as("a model's padded vocabulary")
                .isEqualTo(32000);
    }

    @Test
    void refusesMoreTokenIdsThanTheModelHas() {
        assertThatThrownBy(() -> Tokenizers.fromFile(SENTENCEPIECE, 512))
                .hasMessageContaining("has 32000 token ids but the model's vocab_size is 512");
    }

    @Test
    void refusesAMissingFileAndAFileOfAnotherKind(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Tokenizers.fromFile(dir.resolve("tokenizer.json"), 512))
                .hasMessageContaining("no such tokenizer file");
        Path vocab = Files.writeString(dir.resolve("vocab.txt"), "a\nb\n");
        assertThatThrownBy(() -> Tokenizers.fromFile(vocab, 512)).hasMessageContaining("vocab.txt: not a tokenizer");
    }
}
