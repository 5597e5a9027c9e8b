package io.quantserve.engine.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NgramProposerTest {

    private static int[] propose(SpeculativeConfig config, int[] tokens, int limit) {
        return new NgramProposer(config).propose(tokens, tokens.length, limit);
    }

    @Test
    void shouldProposeWhatFollowedTheLongestEarlierMatchOfTheEnd() {
        // the end "7 8 9": "8 9" also occurs after 5 (followed by 1 2), "7 8 9" after 0 (followed by 3 4 5)
        int[] tokens = {0, 7, 8, 9, 3, 4, 5, 8, 9, 1, 2, 6, 7, 8, 9};
        assertThat(propose(new SpeculativeConfig(3, 1, 3), tokens, 10)).containsExactly(3, 4, 5);
        assertThat(propose(new SpeculativeConfig(3, 1, 2), tokens, 10)).as("n at most 2: the earliest \"8 9\"")
                .containsExactly(3, 4, 5);
        assertThat(propose(new SpeculativeConfig(2, 1, 3), tokens, 10)).containsExactly(3, 4);
        assertThat(propose(new SpeculativeConfig(5, 1, 3), tokens, 1)).as("limit").containsExactly(3);
        assertThat(propose(new SpeculativeConfig(5, 1, 3), tokens, 0)).isEmpty();
    }

    @Test
    void shouldTakeTheEarliestPlaceAmongMatchesOfTheSameLength() {
        int[] tokens = {5, 1, 2, 5, 3, 3, 5, 4, 5};
        assertThat(propose(new SpeculativeConfig(2, 1, 4), tokens, 10)).containsExactly(1, 2);
    }

    @Test
    void shouldNeedAtLeastTheShortestNgramAndStopAtTheSequencesEnd() {
        int[] tokens = {1, 2, 3, 9, 2, 3};
        assertThat(propose(new SpeculativeConfig(4, 3, 3), tokens, 10)).as("no earlier 3-gram \"9 2 3\"").isEmpty();
        assertThat(propose(new SpeculativeConfig(4, 2, 3), tokens, 10)).containsExactly(9, 2, 3);
        assertThat(propose(new SpeculativeConfig(4, 1, 1), new int[] {4}, 10)).isEmpty();
        // a repeating token: the match may overlap the end, the draft ends with the sequence
        assertThat(propose(new SpeculativeConfig(4, 2, 3), new int[] {6, 6, 6, 6}, 10)).containsExactly(6);
        assertThat(propose(new SpeculativeConfig(4, 1, 2), new int[] {1, 6, 2, 6}, 10)).containsExactly(2, 6);
    }

    @Test
    void shouldAgreeWithAScanOfEveryNgramLength() {
        Random random = new Random(11);
        for (int trial = 0; trial < 2000; trial++) {
            int[] tokens = random.ints(1 + random.nextInt(40), 0, 1 + random.nextInt(5)).toArray();
            int min = 1 + random.nextInt(3);
            int max = min + random.nextInt(3);
            SpeculativeConfig config = new SpeculativeConfig(1 + random.nextInt(6), min, max);
            assertThat(propose(config, tokens, 100)).as("%s %s", Arrays.toString(tokens), config)
                    .containsExactly(reference(tokens, config));
        }
    }

    /** For n from the longest down: the first place whose n tokens equal the last n, with a token after it. */
    private static int[] reference(int[] tokens, SpeculativeConfig config) {
        int length = tokens.length;
        for (int n = config.promptLookupMax(); n >= config.promptLookupMin(); n--) {
            if (n >= length) {
                continue;
            }
            int[] end = Arrays.copyOfRange(tokens, length - n, length);
            for (int start = 0; start + n < length; start++) {
                if (Arrays.equals(Arrays.copyOfRange(tokens, start, start + n), end)) {
                    int from = start + n;
                    return Arrays.copyOfRange(tokens, from, Math.min(length, from + config.numSpeculativeTokens()));
                }
            }
        }
        return new int[0];
    }

    @Test
    void shouldReadVllmsSpeculativeConfigAndRefuseWhatItCannotDo() {
        assertThat(SpeculativeConfig.parse("{\"method\": \"ngram\", \"num_speculative_tokens\": 5}"))
                .isEqualTo(new SpeculativeConfig(5, 5, 5));
        assertThat(SpeculativeConfig.parse(
                "{\"method\":\"ngram\",\"num_speculative_tokens\":3,\"prompt_lookup_max\":4}"))
                .isEqualTo(new SpeculativeConfig(3, 4, 4));
        assertThat(SpeculativeConfig.parse("{\"method\":\"ngram\",\"num_speculative_tokens\":3,\"prompt_lookup_min\":2,"
                + "\"prompt_lookup_max\":4}")).isEqualTo(new SpeculativeConfig(3, 2, 4));
        assertThatThrownBy(() -> SpeculativeConfig.parse("{\"method\":\"eagle\",\"num_speculative_tokens\":3}"))
                .hasMessageContaining("method \"eagle\" is not supported");
        assertThatThrownBy(() -> SpeculativeConfig.parse("{\"method\":\"ngram\"}"))
                .hasMessageContaining("num_speculative_tokens is required");
        assertThatThrownBy(() -> SpeculativeConfig.parse("{\"method\":\"ngram\",\"num_speculative_tokens\":3,"
                + "\"model\":\"x\"}")).hasMessageContaining("unsupported field(s) [model]");
        assertThatThrownBy(() -> SpeculativeConfig.parse("{\"method\":\"ngram\",\"num_speculative_tokens\":\"3\"}"))
                .hasMessageContaining("num_speculative_tokens must be an integer");
        assertThatThrownBy(() -> SpeculativeConfig.parse("{\"method\":\"ngram\",\"num_speculative_tokens\":3,"
                + "\"prompt_lookup_min\":4,\"prompt_lookup_max\":2}")).hasMessageContaining("prompt_lookup_min (4)");
        assertThatThrownBy(() -> SpeculativeConfig.parse("ngram")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> SpeculativeConfig.parse("[1]")).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> new SpeculativeConfig(0, 1, 1)).hasMessageContaining("num_speculative_tokens");
    }
}
