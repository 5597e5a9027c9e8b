package io.quantserve.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.testing.Fixtures;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationSetTest {
    @TempDir
    Path dir;

    private static Tokenizer llama2() throws Exception {
        return Tokenizers.fromSentencePieceModel(Fixtures.root().resolve("tokenizers/llama2/tokenizer.model"));
    }

    @Test
    void tokenIdLinesAreSequencesCutToTheLength() throws Exception {
        Path f = Files.writeString(dir.resolve("ids.txt"), "1 2 3 4 5\n6,7,8\n\n9 10\n");
        CalibrationSet set = CalibrationSet.read(f, null, 2, 4);
        assertThat(set.sequences()).hasSize(2);
        assertThat(set.sequences().get(0)).containsExactly(1, 2, 3, 4);
        assertThat(set.sequences().get(1)).containsExactly(6, 7, 8);
        assertThat(set.selfGenerated()).isFalse();
    }

    @Test
    void textIsTokenizedConcatenatedAndCutIntoBlocks() throws Exception {
        Path f = Files.writeString(dir.resolve("c.txt"), "The quick brown fox jumps over the lazy dog.\n\n"
                + "A second paragraph, with more words in it than the first one had.\n");
        CalibrationSet set = CalibrationSet.read(f, llama2(), 10, 8);
        assertThat(set.sequences()).isNotEmpty().allSatisfy(s -> assertThat(s).hasSize(8));
        assertThat(set.source()).contains("2 texts");
    }

    @Test
    void jsonlTakesTheTextField() throws Exception {
        Path f = Files.writeString(dir.resolve("c.jsonl"), "{\"text\": \"Hello there, how are you doing today?\"}\n"
                + "{\"text\": \"Fine, thanks for asking me about it.\"}\n");
        CalibrationSet set = CalibrationSet.read(f, llama2(), 10, 4);
        assertThat(set.tokens()).isGreaterThanOrEqualTo(8);
    }

    @Test
    void jsonlWithoutTextSaysWhichLine() throws Exception {
        Path f = Files.writeString(dir.resolve("c.jsonl"), "{\"text\": \"ok\"}\n{\"content\": \"no\"}\n");
        assertThatThrownBy(() -> CalibrationSet.read(f, llama2(), 10, 4)).hasMessageContaining("line 2");
    }

    @Test
    void textShorterThanOneSequenceIsRefused() throws Exception {
        Path f = Files.writeString(dir.resolve("c.txt"), "Short.");
        assertThatThrownBy(() -> CalibrationSet.read(f, llama2(), 10, 512)).hasMessageContaining("--seq-len");
    }
}
