package io.quantserve.engine.guided;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.lucene.util.automaton.ByteRunAutomaton;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * guided_regex over real vocabularies: random logits sampled under the constraint give text the pattern matches whole
 * (checked with java.util.regex, whose syntax agrees with Python's on these patterns), and each mask allows exactly
 * the tokens whose bytes the automaton can read.
 */
class RegexConstraintTest {
    /** Patterns whose meaning java.util.regex shares (ASCII classes only), the kind of thing users constrain to. */
    private static final List<String> PATTERNS = List.of(
            "\\d{3}-\\d{4}",
            "(yes|no|maybe)",
            "[A-Z][a-z]{2,8}( [A-Z][a-z]{2,8})?",
            "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,3})?",
            "\\{\"name\": \"[a-z ]{1,12}\", \"age\": [0-9]{1,2}\\}",
            "(19|20)\\d\\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])",
            "[0-9a-f]{8}-[0-9a-f]{4}",
            "Answer: [ABCD]\\.?");

    static Stream<Arguments> tokenizers() {
        return Stream.of(Arguments.of("llama2", 6), Arguments.of("gpt2", 4), Arguments.of("stories260K", 12));
    }

    private static Tokenizer tokenizer(String name) {
        return FixtureTokenizers.named(name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenizers")
    void shouldGenerateTextThePatternMatchesWhole(String name, int seeds) {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(tokenizer(name));
        RandomWalk walk = new RandomWalk(vocabulary);
        for (String pattern : PATTERNS) {
            Pattern reference = Pattern.compile(pattern);
            Set<String> seen = new HashSet<>();
            for (long seed = 0; seed < seeds; seed++) {
                RandomWalk.Result r = walk.run(StructuredOutput.regex(pattern, vocabulary), seed, 200);
                assertThat(r.ended()).as("%s, seed %d: %s", pattern, seed, r.text()).isTrue();
                assertThat(reference.matcher(r.text()).matches()).as("%s, seed %d: %s", pattern, seed, r.text())
                        .isTrue();
                seen.add(r.text());
            }
            assertThat(seen).as("%s: random logits give different texts", pattern).hasSizeGreaterThan(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenizers")
    void shouldAllowExactlyTheTokensTheAutomatonCanRead(String name, int seeds) {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(tokenizer(name));
        Random random = new Random(seeds);
        for (String pattern : List.of(PATTERNS.get(4), "[^\\n]{0,40}\\n[αβγ😀]+", "(\\w+ ){1,3}\\w+\\.")) {
            RegexMasks masks = new RegexMasks(pattern, vocabulary);
            ByteRunAutomaton dfa = masks.dfa();
            RegexConstraint constraint = new RegexConstraint(masks);
            int state = 0;
            for (int step = 0; step < 40; step++) {
                long[] bits = masks.allowed(state);
                List<Integer> allowed = new ArrayList<>();
                List<Integer> wrong = new ArrayList<>();
                for (int id = 0; id < vocabulary.size(); id++) {
                    int end = run(dfa, state, vocabulary.bytes(id));
                    boolean expected = end >= 0 || (vocabulary.isEos(id) && dfa.isAccept(state));
                    if (((bits[id >>> 6] & (1L << id)) != 0) != expected) {
                        wrong.add(id);
                    }
                    if (end >= 0) {
                        allowed.add(id);
                    }
                }
                assertThat(wrong).as("%s: tokens the mask gets wrong at step %d", pattern, step).isEmpty();
                if (allowed.isEmpty()) {
                    assertThat(dfa.isAccept(state)).as("%s: stuck at step %d", pattern, step).isTrue();
                    break;
                }
                int token = allowed.get(random.nextInt(allowed.size()));
                constraint.accept(token);
                state = run(dfa, state, vocabulary.bytes(token));
            }
        }
    }

    /** The state after reading {@code bytes} from {@code state}; -1 when the automaton dies or there are none. */
    private static int run(ByteRunAutomaton dfa, int state, byte[] bytes) {
        if (bytes == null) {
            return -1;
        }
        for (byte b : bytes) {
            state = dfa.step(state, b & 0xff);
            if (state < 0) {
                return -1;
            }
        }
        return state;
    }

    @Test
    void shouldAllowOnlyEndOfSequenceOnceNothingCanFollow() {
        Tokenizer tokenizer = FixtureTokenizers.llama2();
        GuidedVocabulary vocabulary = GuidedVocabulary.of(tokenizer);
        TokenConstraint constraint = StructuredOutput.regex("(cat|dog)s?", vocabulary);
        float[] logits = new float[vocabulary.size() + 5];
        constraint.mask(logits);
        assertThat(logits[2]).as("EOS before anything").isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(logits[vocabulary.size() + 1]).as("padding row").isEqualTo(Float.NEGATIVE_INFINITY);
        constraint.accept(idOf(vocabulary, "dog"));
        logits = new float[vocabulary.size()];
        constraint.mask(logits);
        assertThat(logits[2]).as("EOS after a whole match").isZero();
        int s = idOf(vocabulary, "s");
        assertThat(logits[s]).as("'s' may still follow").isZero();
        constraint.accept(s);
        logits = new float[vocabulary.size()];
        constraint.mask(logits);
        for (int id = 0; id < logits.length; id++) {
            assertThat(logits[id]).as("token %d", id).isEqualTo(id == 2 ? 0f : Float.NEGATIVE_INFINITY);
        }
        assertThatThrownBy(() -> constraint.accept(s)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not continue the regular expression");
    }

    private static int idOf(GuidedVocabulary vocabulary, String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int id = 0; id < vocabulary.size(); id++) {
            if (java.util.Arrays.equals(vocabulary.bytes(id), bytes)) {
                return id;
            }
        }
        throw new AssertionError("no token " + text);
    }

    @Test
    void shouldCompileEachPatternOncePerVocabulary() {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(FixtureTokenizers.stories260K());
        assertThat(vocabulary.regexMasks("[a-z]+")).isSameAs(vocabulary.regexMasks("[a-z]+"));
        assertThatThrownBy(() -> StructuredOutput.regex("(?=x)", vocabulary))
                .hasMessageContaining("lookahead assertions are not supported");
    }
}
