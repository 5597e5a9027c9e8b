package io.quantserve.engine.guided;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Masks over real vocabularies: random logits sampled under the constraint always give documents that parse and
 * satisfy the schema, and the trie walk allows exactly the tokens that a token-by-token check allows.
 */
class StructuredOutputTest {

    static Stream<Arguments> tokenizers() {
        return Stream.of(Arguments.of("llama2", 12), Arguments.of("gpt2", 8), Arguments.of("stories260K", 40));
    }

    private static Tokenizer tokenizer(String name) {
        return FixtureTokenizers.named(name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenizers")
    void shouldGenerateDocumentsThatSatisfyTheSchema(String name, int seeds) {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(tokenizer(name));
        RandomWalk walk = new RandomWalk(vocabulary);
        for (String schemaText : List.of(Schemas.PERSON, Schemas.TREE, Schemas.TRICKY, Schemas.PATTERNS,
                Schemas.RANGES)) {
            JsonNode schema = Schemas.parse(schemaText);
            int ended = 0;
            for (long seed = 0; seed < seeds; seed++) {
                RandomWalk.Result r = walk.run(StructuredOutput.jsonSchema(schema, vocabulary), seed, 600);
                if (!r.ended()) {
                    continue;
                }
                ended++;
                JsonNode doc = Schemas.MAPPER.readTree(r.text());
                assertThat(SchemaValidator.problems(schema, doc)).as("seed %d: %s", seed, r.text()).isEmpty();
            }
            assertThat(ended).as("walks that finished").isGreaterThanOrEqualTo(seeds * 3 / 4);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenizers")
    void shouldGenerateJsonObjects(String name, int seeds) {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(tokenizer(name));
        RandomWalk walk = new RandomWalk(vocabulary);
        int ended = 0;
        int withKeys = 0;
        for (long seed = 0; seed < seeds; seed++) {
            RandomWalk.Result r = walk.run(StructuredOutput.jsonObject(vocabulary), seed, 600);
            if (r.ended()) {
                ended++;
                JsonNode doc = Schemas.MAPPER.readTree(r.text());
                assertThat(doc.isObject()).as(r.text()).isTrue();
                withKeys += doc.isEmpty() ? 0 : 1;
            }
        }
        assertThat(ended).as("walks that finished").isGreaterThanOrEqualTo(seeds * 3 / 4);
        assertThat(withKeys).as("objects with keys").isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenizers")
    void shouldAllowExactlyTheTokensThatContinueTheDocument(String name, int seeds) {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(tokenizer(name));
        for (String schema : List.of(Schemas.PERSON, Schemas.TRICKY, Schemas.PATTERNS, Schemas.RANGES)) {
            GrammarMasks masks = new GrammarMasks(JsonGrammar.fromSchema(Schemas.parse(schema)).start(), vocabulary);
            checkMasksAlongAWalk(vocabulary, masks, new Random(seeds));
        }
    }

    private static void checkMasksAlongAWalk(GuidedVocabulary vocabulary, GrammarMasks masks, Random random) {
        GrammarConstraint constraint = new GrammarConstraint(masks);
        for (int step = 0; step < 60 && !constraint.isComplete(); step++) {
            Recognizer state = constraint.state();
            long[] bits = masks.compute(state);
            List<Integer> allowed = new ArrayList<>();
            List<Integer> structural = new ArrayList<>(); // closing quotes and separators, so the walk gets around
            List<Integer> wrong = new ArrayList<>();
            for (int id = 0; id < vocabulary.size(); id++) {
                byte[] b = vocabulary.bytes(id);
                boolean expected = b != null && state.advance(b) != null;
                if (((bits[id >>> 6] & (1L << id)) != 0) != expected) {
                    wrong.add(id);
                }
                if (expected) {
                    allowed.add(id);
                    if (isStructural(b)) {
                        structural.add(id);
                    }
                }
            }
            assertThat(wrong).as("tokens the mask gets wrong at step %d", step).isEmpty();
            assertThat(allowed).as("allowed at step %d", step).isNotEmpty();
            List<Integer> from = !structural.isEmpty() && random.nextBoolean() ? structural : allowed;
            constraint.accept(from.get(random.nextInt(from.size())));
        }
    }

    private static boolean isStructural(byte[] bytes) {
        for (byte c : bytes) {
            if (c == '"' || c == ',' || c == '}' || c == ']' || c == ':') {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldAllowOnlyEndOfSequenceOnceTheDocumentIsComplete() {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(FixtureTokenizers.llama2());
        TokenConstraint constraint = StructuredOutput.jsonObject(vocabulary);
        float[] logits = new float[vocabulary.size()];
        constraint.mask(logits);
        assertThat(logits[2]).as("EOS before anything").isEqualTo(Float.NEGATIVE_INFINITY);
        for (int token : FixtureTokenizers.llama2().encode("{\"a\": [1]}")) {
            constraint.accept(token);
        }
        logits = new float[vocabulary.size()];
        constraint.mask(logits);
        for (int id = 0; id < logits.length; id++) {
            assertThat(logits[id]).as("token %d", id).isEqualTo(id == 2 ? 0f : Float.NEGATIVE_INFINITY);
        }
    }

    @Test
    void shouldNeverAllowSpecialTokensInsideADocument() {
        Tokenizer tokenizer = FixtureTokenizers.llama2();
        GuidedVocabulary vocabulary = GuidedVocabulary.of(tokenizer);
        TokenConstraint constraint = StructuredOutput.jsonObject(vocabulary);
        for (int token : tokenizer.encode("{\"text\": \"")) {
            constraint.accept(token);
        }
        float[] logits = new float[vocabulary.size()];
        constraint.mask(logits);
        for (int id = 0; id < 3; id++) { // <unk>, <s>, </s>
            assertThat(logits[id]).as("token %s", tokenizer.tokenText(id)).isEqualTo(Float.NEGATIVE_INFINITY);
        }
        assertThatThrownBy(() -> constraint.accept(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldShareOneVocabularyPerTokenizer() {
        assertThat(GuidedVocabulary.of(FixtureTokenizers.llama2()))
                .isSameAs(GuidedVocabulary.of(FixtureTokenizers.llama2(), List.of(2)));
    }

    @Test
    void shouldReportSchemaErrorsFromTheFactory() {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(FixtureTokenizers.stories260K());
        assertThatThrownBy(() -> StructuredOutput.jsonSchema(
                Schemas.parse("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"array\",\"uniqueItems\":true}}}"),
                vocabulary)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'uniqueItems' at #/properties/x is not supported");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenizers")
    void shouldGenerateExactlyOneOfTheChoices(String name, int seeds) {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(tokenizer(name));
        RandomWalk walk = new RandomWalk(vocabulary);
        // prefixes of one another, a space, non-ASCII: the walk must stop only at a whole choice
        List<String> choices = List.of("positive", "positively", "neg ative", "neutral ☺");
        List<String> seen = new ArrayList<>();
        for (long seed = 0; seed < seeds * 4L; seed++) {
            RandomWalk.Result r = walk.run(StructuredOutput.choice(choices, vocabulary), seed, 100);
            assertThat(r.ended()).as("seed %d", seed).isTrue();
            assertThat(r.text()).as("seed %d", seed).isIn(choices);
            seen.add(r.text());
        }
        assertThat(java.util.Set.copyOf(seen)).as("random logits reach several choices").hasSizeGreaterThan(1);
    }

    @Test
    void shouldRefuseChoicesThatCannotBeGenerated() {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(FixtureTokenizers.llama2());
        assertThatThrownBy(() -> StructuredOutput.choice(List.of(), vocabulary)).hasMessageContaining("at least one");
        assertThatThrownBy(() -> StructuredOutput.choice(List.of("a", ""), vocabulary))
                .hasMessageContaining("guided_choice[1]");
        TokenConstraint constraint = StructuredOutput.choice(List.of("yes", "no"), vocabulary);
        assertThatThrownBy(() -> constraint.accept(FixtureTokenizers.llama2().encode("maybe")[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
