package io.quantserve.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final float[] LOGITS = {1.0f, 3.0f, 2.5f, -1.0f, 0.0f};

    private static int[] draw(SamplingParams p, float[] logits, int n) {
        var s = new Sampler(p, logits.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = s.next(logits);
        return out;
    }

    private static int[] histogram(SamplingParams p, float[] logits, int n) {
        int[] h = new int[logits.length];
        for (int t : draw(p, logits, n)) h[t]++;
        return h;
    }

    @Test
    void aDrawWithTheSamplersOwnNextUniformIsTheDrawItMakes() {
        for (SamplingParams p : new SamplingParams[] {SamplingParams.defaults().withTemperature(0.9f).withSeed(4),
            SamplingParams.defaults().withTopP(0.7f).withSeed(5), SamplingParams.defaults().withTopK(2).withSeed(6)}) {
            Sampler own = new Sampler(p, LOGITS.length);
            Sampler given = new Sampler(p, LOGITS.length);
            Sampler uniforms = new Sampler(p, LOGITS.length);
            for (int i = 0; i < 50; i++) {
                assertThat(given.next(LOGITS, uniforms.nextUniform())).isEqualTo(own.next(LOGITS));
            }
            assertThat(own.penaltyFree()).isTrue();
        }
        Sampler greedy = new Sampler(SamplingParams.greedy(), LOGITS.length);
        assertThat(greedy.nextUniform()).isZero();
        assertThat(greedy.next(LOGITS, 0.99)).isEqualTo(1);
        assertThat(new Sampler(SamplingParams.defaults().withRepetitionPenalty(1.1f), 5).penaltyFree()).isFalse();
        assertThat(new Sampler(SamplingParams.defaults().withPresencePenalty(0.5f), 5).penaltyFree()).isFalse();
        assertThat(new Sampler(SamplingParams.defaults().withLogitBias(Map.of(2, 1f)), 5).penaltyFree()).isFalse();
    }

    @Test
    void logitBiasShiftsLogitsBeforeEverythingElse() {
        // greedy: +1 on token 2 (2.5 -> 3.5) beats token 1 (3.0); -100 bans the best token
        assertThat(draw(SamplingParams.greedy().withLogitBias(Map.of(2, 1f)), LOGITS, 3)).containsOnly(2);
        assertThat(draw(SamplingParams.greedy().withLogitBias(Map.of(1, -100f, 2, -100f)), LOGITS, 3)).containsOnly(0);
        // sampling: +100 on token 4 all but forces it
        assertThat(draw(SamplingParams.defaults().withSeed(1).withLogitBias(Map.of(4, 100f)), LOGITS, 50)).containsOnly(4);
        // the repetition penalty applies to the biased logit (vLLM's order): (2.5 + 2) / 2 = 2.25 < 3.0, where
        // penalty first would give 2.5 / 2 + 2 = 3.25
        Sampler s = new Sampler(SamplingParams.greedy().withLogitBias(Map.of(2, 2f)).withRepetitionPenalty(2f), 5);
        s.acceptPrompt(2);
        assertThat(s.next(LOGITS)).isEqualTo(1);
        assertThat(LOGITS[2]).isEqualTo(2.5f);
        assertThatThrownBy(() -> new Sampler(SamplingParams.greedy().withLogitBias(Map.of(5, 1f)), 5))
                .hasMessageContaining("token 5 outside vocabulary of 5");
    }

    @Test
    void greedyPicksArgmaxAndBreaksTiesToLowestId() {
        assertThat(draw(SamplingParams.greedy(), LOGITS, 3)).containsOnly(1);
        assertThat(new Sampler(SamplingParams.greedy(), 4).next(new float[] {0, 5, 2, 5})).isEqualTo(1);
    }

    @Test
    void doesNotModifyTheCallersLogits() {
        float[] logits = LOGITS.clone();
        var s = new Sampler(SamplingParams.defaults().withRepetitionPenalty(2f).withTopP(0.9f).withSeed(1), logits.length);
        s.acceptPrompt(1, 2);
        s.next(logits);
        assertThat(logits).containsExactly(LOGITS);
    }

    @Test
    void sameSeedSameTokens() {
        var p = SamplingParams.defaults().withSeed(42);
        assertThat(draw(p, LOGITS, 200)).containsExactly(draw(p, LOGITS, 200));
        assertThat(draw(p.withSeed(43), LOGITS, 200)).isNotEqualTo(draw(p, LOGITS, 200));
    }

    @Test
    void topKOneAndTinyTopPEqualGreedy() {
        var p = SamplingParams.defaults().withTemperature(2f).withSeed(3);
        assertThat(draw(p.withTopK(1), LOGITS, 100)).containsOnly(1);
        assertThat(draw(p.withTopP(1e-6f), LOGITS, 100)).containsOnly(1);
    }

    @Test
    void topKKeepsTheKMostLikely() {
        int[] h = histogram(SamplingParams.defaults().withTopK(2).withSeed(5), LOGITS, 5000);
        assertThat(h[0] + h[3] + h[4]).isZero();
        // Renormalised over {1, 2}: p(1) = e^3 / (e^3 + e^2.5) ≈ 0.622.
        assertThat(h[1] / 5000.0).isCloseTo(0.622, within(0.03));
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // softmax(LOGITS) ≈ [0.066, 0.488, 0.296, 0.009, 0.024, + rest]; 0.488 < 0.7 ≤ 0.488 + 0.296.
        int[] h = histogram(SamplingParams.defaults().withTopP(0.7f).withSeed(9), LOGITS, 5000);
        assertThat(h[0] + h[3] + h[4]).isZero();
        assertThat(h[1]).isPositive();
        assertThat(h[2]).isPositive();
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheBest() {
        // p_i / p_max = e^(l_i - 3): token 2 → 0.61, token 0 → 0.135, token 4 → 0.05.
        int[] h = histogram(SamplingParams.defaults().withMinP(0.1f).withSeed(11), LOGITS, 5000);
        assertThat(h[3] + h[4]).isZero();
        assertThat(h[0]).isPositive();
        int[] strict = histogram(SamplingParams.defaults().withMinP(0.5f).withSeed(11), LOGITS, 5000);
        assertThat(strict[0] + strict[3] + strict[4]).isZero();
        // Same results through the sorted path (top-k on but not binding).
        int[] sorted = histogram(SamplingParams.defaults().withMinP(0.5f).withTopK(4).withSeed(11), LOGITS, 5000);
        assertThat(sorted[0] + sorted[3] + sorted[4]).isZero();
    }

    @Test
    void repetitionPenaltyFlipsTheChoice() {
        var s = new Sampler(SamplingParams.greedy().withRepetitionPenalty(1.5f), LOGITS.length);
        assertThat(s.next(LOGITS)).isEqualTo(1);
        s.acceptPrompt(1); // 3.0 / 1.5 = 2.0 < 2.5
        assertThat(s.next(LOGITS)).isEqualTo(2);
        // Negative logits are multiplied: -0.5 * 3 = -1.5 < -1.0.
        var neg = new Sampler(SamplingParams.greedy().withRepetitionPenalty(3f), 2);
        neg.acceptPrompt(0);
        assertThat(neg.next(new float[] {-0.5f, -1.0f})).isEqualTo(1);
    }

    @Test
    void presenceAndFrequencyPenaltiesCountOnlyGeneratedTokens() {
        var presence = new Sampler(SamplingParams.greedy().withPresencePenalty(0.6f), LOGITS.length);
        presence.acceptPrompt(1, 1, 1); // prompt tokens are not penalised
        assertThat(presence.next(LOGITS)).isEqualTo(1);
        presence.accept(1); // 3.0 - 0.6 = 2.4 < 2.5
        assertThat(presence.next(LOGITS)).isEqualTo(2);

        var frequency = new Sampler(SamplingParams.greedy().withFrequencyPenalty(0.2f), LOGITS.length);
        frequency.accept(1);
        frequency.accept(1); // 3.0 - 2 * 0.2 = 2.6 > 2.5
        assertThat(frequency.next(LOGITS)).isEqualTo(1);
        frequency.accept(1); // 3.0 - 3 * 0.2 = 2.4 < 2.5
        assertThat(frequency.next(LOGITS)).isEqualTo(2);
    }

    @Test
    void temperatureOneFrequenciesMatchSoftmax() {
        float[] logits = {0.5f, 1.5f, -0.3f, 1.0f};
        double[] p = new double[4];
        double z = 0;
        for (int i = 0; i < 4; i++) z += p[i] = Math.exp(logits[i]);
        int n = 20_000;
        int[] h = histogram(SamplingParams.defaults().withSeed(2024), logits, n);
        for (int i = 0; i < 4; i++) {
            // Binomial std dev ≤ sqrt(0.25 / 20000) ≈ 0.0035; 0.015 is > 4 sigma.
            assertThat(h[i] / (double) n).as("token %d", i).isCloseTo(p[i] / z, within(0.015));
        }
        // Through the sorted (top-p) path, with top-p not binding, the distribution is the same.
        int[] viaSort = histogram(SamplingParams.defaults().withTopP(0.9999f).withSeed(2024), logits, n);
        for (int i = 0; i < 4; i++) {
            assertThat(viaSort[i] / (double) n).isCloseTo(p[i] / z, within(0.015));
        }
    }

    @Test
    void lowTemperatureSharpensHighTemperatureFlattens() {
        int[] cold = histogram(SamplingParams.defaults().withTemperature(0.1f).withSeed(1), LOGITS, 2000);
        assertThat(cold[1]).isGreaterThan(1950); // e^(-0.5/0.1) ≈ 0.7% for the runner-up
        int[] hot = histogram(SamplingParams.defaults().withTemperature(10f).withSeed(1), LOGITS, 2000);
        assertThat(hot[3]).isGreaterThan(200); // ~0.17 of the mass at T=10
    }

    @Test
    void largeVocabularyTopPAndTopKPickFromTheHead() {
        int v = 128_000;
        float[] logits = new float[v];
        var rnd = new Random(1);
        for (int i = 0; i < v; i++) logits[i] = (float) rnd.nextGaussian();
        logits[77_777] = 20f;
        logits[5] = 19.5f;
        Set<Integer> seen = new HashSet<>();
        var s = new Sampler(SamplingParams.defaults().withTopP(0.95f).withSeed(4), v);
        for (int i = 0; i < 50; i++) seen.add(s.next(logits));
        assertThat(seen).containsExactlyInAnyOrder(77_777, 5);
        var k = new Sampler(SamplingParams.defaults().withTemperature(100f).withTopK(3).withSeed(4), v);
        Set<Integer> topK = new HashSet<>();
        for (int i = 0; i < 200; i++) topK.add(k.next(logits));
        assertThat(topK).hasSize(3).contains(77_777, 5);
    }

    @Test
    void rejectsBadInput() {
        var s = new Sampler(SamplingParams.defaults(), 4);
        assertThatThrownBy(() -> s.next(new float[3])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.accept(4)).isInstanceOf(IllegalArgumentException.class);
        float[] masked = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        assertThatThrownBy(() -> s.next(masked)).isInstanceOf(IllegalArgumentException.class);
        // A masked (-inf) token is never drawn.
        float[] oneMasked = {0f, Float.NEGATIVE_INFINITY, 0f, 0f};
        assertThat(draw(SamplingParams.defaults().withSeed(8), oneMasked, 500)).doesNotContain(1);
    }
}
