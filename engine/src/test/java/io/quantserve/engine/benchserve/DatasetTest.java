package io.quantserve.engine.benchserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetTest {
    @TempDir
    Path dir;

    @Test
    void randomPromptsShouldHaveExactlyTheInputLengthWithinTheTokenRange() {
        List<BenchRequest> requests = Dataset.random(20, 33, 9, 100, 999, new Random(3));
        assertThat(requests).hasSize(20).allSatisfy(r -> {
            assertThat(r.tokenIds()).hasSize(33);
            assertThat(java.util.Arrays.stream(r.tokenIds()).boxed().toList()).allSatisfy(id -> assertThat(id).isBetween(100, 999));
            assertThat(r.inputTokens()).isEqualTo(33);
            assertThat(r.outputTokens()).isEqualTo(9);
            assertThat(r.text()).isNull();
        });
        assertThat(Dataset.random(1, 33, 9, 100, 999, new Random(3)).getFirst().tokenIds())
                .containsExactly(requests.getFirst().tokenIds());
    }

    @Test
    void jsonLinesShouldCycleThePromptsAndHonourOutputLenOverrides() throws Exception {
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, """
                {"prompt": "Once upon a time"}

                {"prompt": "The quick brown fox", "output_len": 5}
                """);
        List<BenchRequest> requests = Dataset.jsonLines(file, 5, 64);
        assertThat(requests).extracting(BenchRequest::text).containsExactly("Once upon a time", "The quick brown fox",
                "Once upon a time", "The quick brown fox", "Once upon a time");
        assertThat(requests).extracting(BenchRequest::outputTokens).containsExactly(64, 5, 64, 5, 64);
        assertThat(requests.getFirst().inputTokens()).isEqualTo(-1);
    }

    @Test
    void shouldNameTheFileAndLineOfMalformedJson() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"prompt\": \"ok\"}\n{\"prompt\": \"broken\n");
        assertThatThrownBy(() -> Dataset.jsonLines(file, 3, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file + ":2: not valid JSON");
    }

    @Test
    void shouldRejectLinesWithoutAPromptStringOrWithABadOutputLen() throws Exception {
        Path noPrompt = dir.resolve("a.jsonl");
        Files.writeString(noPrompt, "{\"text\": \"hi\"}\n");
        assertThatThrownBy(() -> Dataset.jsonLines(noPrompt, 1, 8)).hasMessage(noPrompt + ":1: \"prompt\" must be a non-empty string");
        Path badLen = dir.resolve("b.jsonl");
        Files.writeString(badLen, "{\"prompt\": \"hi\"}\n{\"prompt\": \"hi\", \"output_len\": 0}\n");
        assertThatThrownBy(() -> Dataset.jsonLines(badLen, 1, 8)).hasMessageStartingWith(badLen + ":2: \"output_len\"");
    }

    @Test
    void shouldRejectAFileWithoutPrompts() throws Exception {
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "\n\n");
        assertThatThrownBy(() -> Dataset.jsonLines(empty, 1, 8)).hasMessageContaining(empty + ": no prompts");
    }
}
