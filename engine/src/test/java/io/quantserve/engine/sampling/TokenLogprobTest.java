package io.quantserve.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TokenLogprobTest {

    @Test
    void shouldBeTheLogSoftmaxOfTheLogitsWithTheTopAlternativesInOrder() {
        float[] logits = {1f, 3f, 2f, 3f, -1f, 99f}; // the last entry is padding past the vocabulary
        TokenLogprob lp = TokenLogprob.of(logits, 5, 2, 3);
        double z = Math.log(Math.exp(1) + Math.exp(3) + Math.exp(2) + Math.exp(3) + Math.exp(-1));
        assertThat(lp.token()).isEqualTo(2);
        assertThat((double) lp.logprob()).isCloseTo(2 - z, within(1e-6));
        // ties keep the lower id first
        assertThat(lp.topIds()).containsExactly(1, 3, 2);
        assertThat((double) lp.topLogprobs()[0]).isCloseTo(3 - z, within(1e-6));
        assertThat((double) lp.topLogprobs()[2]).isCloseTo(2 - z, within(1e-6));
        assertThat(lp.rank()).as("two ids are more likely (the padding is not in the vocabulary)").isEqualTo(3);
        assertThat(TokenLogprob.of(logits, 5, 3, 0).rank()).as("a tie shares the best rank").isEqualTo(1);
        assertThat(TokenLogprob.of(logits, 5, 4, 0).rank()).isEqualTo(5);
    }

    @Test
    void shouldGiveNoAlternativesWhenNoneAreAsked() {
        TokenLogprob lp = TokenLogprob.of(new float[] {0f, 0f}, 2, 1, 0);
        assertThat(lp.topIds()).isEmpty();
        assertThat((double) lp.logprob()).isCloseTo(Math.log(0.5), within(1e-6));
    }
}
