package io.quantserve.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.testing.Fixtures;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;
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

    @Test
    void samplesFromTheModelSeveralAtOnceSeededBySequence() throws Exception {
        try (LoadedModel m = LoadedModel.open(Fixtures.model("stories260K"))) {
            int samples = CalibrationSet.SAMPLED_AT_ONCE + 8;  // later sequences take the places of finished ones
            List<Integer> done = new ArrayList<>();
            CalibrationSet set = CalibrationSet.sampled(m.model(), 1, samples, 24, 7, (d, n, phase) -> {
                assertThat(phase).isEqualTo("calibrate");
                assertThat(n).isEqualTo(samples);
                done.add(d);
            }, () -> false);

            assertThat(set.selfGenerated()).isTrue();
            assertThat(set.sequences()).hasSize(samples).allSatisfy(s -> {
                assertThat(s).hasSize(24).startsWith(1);
                assertThat(Arrays.stream(s).allMatch(t -> t >= 0 && t < m.config().vocabSize())).isTrue();
            });
            assertThat(done).as("one update a finished sequence").isEqualTo(IntStream.rangeClosed(1, samples).boxed()
                    .toList());
            // a trained model at temperature 1 may tell the same short story twice; the seeds still differ
            assertThat(set.sequences().stream().map(Arrays::toString).distinct().count()).isGreaterThan(samples / 2);
            CalibrationSet again = CalibrationSet.sampled(m.model(), 1, samples, 24, 7, (d, n, p) -> { }, () -> false);
            assertThat(again.sequences()).zipSatisfy(set.sequences(), (a, b) -> assertThat(a).isEqualTo(b));
            assertThat(set.source()).contains(samples + " x 24 tokens", "seed 7");
        }
    }

    @Test
    void samplingStopsWhenCancelled() throws Exception {
        try (LoadedModel m = LoadedModel.open(Fixtures.model("stories260K"))) {
            int[] checks = {0};
            assertThatThrownBy(() -> CalibrationSet.sampled(m.model(), 1, 4, 64, 0, (d, n, p) -> { },
                    () -> ++checks[0] > 5)).isInstanceOf(CancellationException.class)
                    .hasMessageContaining("sampling calibration data").hasMessageContaining("0 of 4");
            assertThat(checks[0]).isEqualTo(6);
        }
    }
}
