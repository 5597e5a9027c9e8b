package io.quantserve.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.format.gguf.GgufFile;
import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.engine.testing.Fixtures;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** vLLM's bad_words and allowed_token_ids as per-sequence masks, alone and together. */
class BadWordsTest {

    @Test
    void shouldBanTheLastTokenOfAWordOnlyRightAfterTheRestOfIt() {
        BadWords bad = new BadWords(List.of(new int[] {7}, new int[] {1, 2, 3}));
        assertThat(masked(bad, 10)).containsExactly(7); // one token: always
        bad.accept(1);
        assertThat(masked(bad, 10)).containsExactly(7);
        bad.accept(2);
        assertThat(masked(bad, 10)).containsExactly(3, 7); // 1 2 drawn: 3 would finish the word
        bad.accept(5);
        assertThat(masked(bad, 10)).containsExactly(7);
        for (int t : new int[] {9, 9, 9, 1, 2}) { // the ring wraps around
            bad.accept(t);
        }
        assertThat(masked(bad, 10)).containsExactly(3, 7);
    }

    @Test
    void shouldNeverLetARandomWalkSpellABadWord() {
        List<int[]> words = List.of(new int[] {2, 3}, new int[] {4, 4, 4}, new int[] {5});
        Random random = new Random(3);
        int pairs = 0;
        for (int walk = 0; walk < 200; walk++) {
            BadWords bad = new BadWords(words);
            List<Integer> out = new ArrayList<>();
            for (int step = 0; step < 30; step++) {
                float[] logits = new float[6];
                bad.mask(logits);
                List<Integer> allowed = new ArrayList<>();
                for (int t = 0; t < logits.length; t++) {
                    if (logits[t] == 0) {
                        allowed.add(t);
                    }
                }
                int t = allowed.get(random.nextInt(allowed.size()));
                bad.accept(t);
                out.add(t);
            }
            String text = out.toString();
            assertThat(text).doesNotContain("2, 3").doesNotContain("4, 4, 4").doesNotContain("5");
            pairs += text.contains("4, 4") ? 1 : 0;
        }
        assertThat(pairs).as("walks with a pair of 4s: the word's start stays possible").isGreaterThan(50);
    }

    @Test
    void shouldTokenizeAWordAloneAndAfterASpaceAsVllmDoes() throws Exception {
        Tokenizer gpt2;
        try (GgufFile gguf = GgufFile.open(Fixtures.root().resolve(
                "tokenizers/llama-cpp-vocab/ggml-vocab-gpt-2.gguf"))) {
            gpt2 = Tokenizers.fromGguf(gguf);
        }
        List<int[]> ids = BadWords.tokenize(List.of(" hello"), gpt2);
        assertThat(ids).hasSize(2); // "hello" and " hello" are different single tokens
        assertThat(ids.get(0)).containsExactly(gpt2.encode("hello"));
        assertThat(ids.get(1)).containsExactly(gpt2.encode(" hello"));
        BadWords bad = new BadWords(ids);
        float[] logits = new float[gpt2.vocabSize()];
        bad.mask(logits);
        assertThat(logits[gpt2.encode("hello")[0]]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(logits[gpt2.encode(" hello")[0]]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(logits[gpt2.encode(" world")[0]]).isZero();
        assertThatThrownBy(() -> BadWords.tokenize(List.of("ok", " "), gpt2)).hasMessage("bad_words[1] is empty");
    }

    @Test
    void shouldKeepOnlyTheAllowedIdsAndCombineWithOtherMasks() {
        AllowedTokens allowed = new AllowedTokens(List.of(1, 3, 5), 8);
        float[] logits = new float[10]; // padded past the vocabulary
        allowed.mask(logits);
        assertThat(finite(logits)).containsExactly(1, 3, 5);
        TokenConstraint both = TokenConstraint.all(Arrays.asList(allowed, null, new BadWords(List.of(new int[] {3}))));
        logits = new float[8];
        both.mask(logits);
        assertThat(finite(logits)).containsExactly(1, 5);
        assertThat(TokenConstraint.all(Arrays.asList(null, allowed))).isSameAs(allowed);
        assertThat(TokenConstraint.all(List.of())).isNull();
        assertThatThrownBy(() -> new AllowedTokens(List.of(1, 8), 8)).hasMessageContaining("token id 8");
        assertThatThrownBy(() -> new AllowedTokens(List.of(), 8)).hasMessageContaining("must not be empty");
    }

    private static List<Integer> masked(TokenConstraint c, int vocab) {
        float[] logits = new float[vocab];
        c.mask(logits);
        List<Integer> out = new ArrayList<>();
        for (int t = 0; t < vocab; t++) {
            if (logits[t] == Float.NEGATIVE_INFINITY) {
                out.add(t);
            }
        }
        return out;
    }

    private static List<Integer> finite(float[] logits) {
        List<Integer> out = new ArrayList<>();
        for (int t = 0; t < logits.length; t++) {
            if (logits[t] != Float.NEGATIVE_INFINITY) {
                out.add(t);
            }
        }
        return out;
    }
}
