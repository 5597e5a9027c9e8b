package io.quantserve.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.format.gguf.GgufFile;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.testing.Fixtures;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Generation on stories260K (real trained weights) with its GGUF tokenizer. */
class GeneratorTest {
    static LoadedModel stories;
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        stories = LoadedModel.open(Fixtures.model("stories260K"));
        try (GgufFile gguf = GgufFile.open(Fixtures.root().resolve("models/stories260K.gguf"))) {
            tokenizer = Tokenizers.fromGguf(gguf);
        }
    }

    @AfterAll
    static void close() throws Exception {
        stories.close();
    }

    private Generator generator() {
        return new Generator(stories.model(), tokenizer, stories.eosIds());
    }

    private static int[] prompt(String text) {
        int[] ids = tokenizer.encode(text);
        int[] withBos = new int[ids.length + 1];
        withBos[0] = 1;
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    @Test
    void greedyFromBosReproducesTheFortyGoldenTokens() {
        int[] golden = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267,
                337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352};
        Generator.Result r = new Generator(stories.model(), null, Set.of(2))
                .generate(new Generator.Request(new int[] {1}, SamplingParams.greedy(), 40, List.of(), false), t -> { });
        assertThat(r.tokens()).containsExactly(golden);
        assertThat(r.finishReason()).isEqualTo(Generator.FinishReason.LENGTH);
    }

    @Test
    void greedyTextFromThePromptIsLlamaCppsContinuation() {
        List<String> pieces = new ArrayList<>();
        Generator.Result r = generator().generate(
                new Generator.Request(prompt("Once upon a time"), SamplingParams.greedy(), 40, List.of(), false), pieces::add);
        assertThat("Once upon a time" + r.text())
                .startsWith("Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
                        + " One day, she saw a big, red ball.");
        assertThat(String.join("", pieces)).isEqualTo(r.text());
    }

    @Test
    void stopStringEndsGenerationWithoutItsText() {
        Generator.Result r = generator().generate(
                new Generator.Request(prompt("Once upon a time"), SamplingParams.greedy(), 40, List.of("Lily"), false), t -> { });
        assertThat(r.text()).isEqualTo(", there was a little girl named ");
        assertThat(r.finishReason()).isEqualTo(Generator.FinishReason.STOP);
    }

    @Test
    void eosEndsGenerationAndIsNotReturned() {
        // make the greedy continuation's 5th token count as EOS
        Generator.Result r = new Generator(stories.model(), tokenizer, Set.of(432))
                .generate(new Generator.Request(prompt("Once upon a time"), SamplingParams.greedy(), 40, List.of(), false), t -> { });
        assertThat(r.tokens()).doesNotContain(432);
        assertThat(r.finishReason()).isEqualTo(Generator.FinishReason.STOP);
    }

    @Test
    void sameSeedSameTokensDifferentSeedDifferentTokens() {
        SamplingParams params = SamplingParams.defaults().withTemperature(1.0f).withSeed(11);
        Generator.Request a = new Generator.Request(prompt("Once upon a time"), params, 30, List.of(), true);
        int[] first = generator().generate(a, t -> { }).tokens();
        int[] second = generator().generate(a, t -> { }).tokens();
        int[] other = generator().generate(new Generator.Request(prompt("Once upon a time"),
                params.withSeed(12), 30, List.of(), true), t -> { }).tokens();
        assertThat(second).containsExactly(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void promptPastTheContextIsRefusedWithTheLimit() {
        assertThatThrownBy(() -> generator().generate(
                new Generator.Request(new int[] {1}, SamplingParams.greedy(), 5000, List.of(), false), t -> { }))
                .hasMessageContaining("2048");
    }
}
