package io.quantserve.engine.guided;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * guided_grammar over real vocabularies: random logits sampled under an EBNF grammar give text that a checker written
 * here accepts (java.util.regex, Jackson, a recursive descent), and each mask allows exactly the tokens whose bytes
 * the recognizer can read.
 */
class EbnfConstraintTest {
    static final String SQL = """
            root ::= select_statement
            select_statement ::= "SELECT " column " from " table " where " condition
            column ::= "col_1 " | "col_2 "
            table ::= "table_1 " | "table_2 "
            condition ::= column "= " number
            number ::= "1 " | "2 "
            """;
    static final String ARITHMETIC = """
            root ::= expr
            expr ::= term (("+" | "-") term){0,3}
            term ::= [0-9]{1,3} | "(" expr ")"
            """;
    static final String JSON = """
            root   ::= ws object
            value  ::= object | array | string | number | ("true" | "false" | "null") ws
            object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
            array  ::= "[" ws ( value ("," ws value)* )? "]" ws
            string ::= "\\"" ( [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4}) )* "\\"" ws
            number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]+)? ws
            ws ::= | " "
            """;
    static final String SETTINGS = """
            root ::= line{1,3}
            line ::= name "=" (quoted | [0-9]+) "\\n"   # one setting a line
            name ::= [a-z] [a-z_]{0,7}
            quoted ::= "\\"" [^"\\n]* "\\""
            """;

    static Stream<Arguments> tokenizers() {
        return Stream.of(Arguments.of("llama2", 5), Arguments.of("gpt2", 4), Arguments.of("stories260K", 10));
    }

    static Stream<Arguments> grammars() {
        Pattern sql = Pattern.compile("SELECT col_[12]  from table_[12]  where col_[12] = [12] ");
        Pattern settings = Pattern.compile("([a-z][a-z_]{0,7}=(\"[^\"\\n]*\"|[0-9]+)\\n){1,3}");
        Predicate<String> json = text -> {
            try {
                return Schemas.MAPPER.readTree(text).isObject();
            } catch (RuntimeException e) {
                return false;
            }
        };
        return Stream.of(Arguments.of(SQL, (Predicate<String>) t -> sql.matcher(t).matches()),
                Arguments.of(ARITHMETIC, (Predicate<String>) EbnfConstraintTest::isArithmetic),
                Arguments.of(JSON, json),
                Arguments.of(SETTINGS, (Predicate<String>) t -> settings.matcher(t).matches()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenizers")
    void shouldGenerateTextTheGrammarDescribes(String name, int seeds) {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(FixtureTokenizers.named(name));
        RandomWalk walk = new RandomWalk(vocabulary);
        grammars().forEach(arguments -> {
            String grammar = (String) arguments.get()[0];
            @SuppressWarnings("unchecked")
            Predicate<String> check = (Predicate<String>) arguments.get()[1];
            int ended = 0;
            for (long seed = 0; seed < seeds; seed++) {
                RandomWalk.Result r = walk.run(StructuredOutput.grammar(grammar, vocabulary), seed, 300);
                if (r.ended()) {
                    assertThat(check.test(r.text())).as("%s%nseed %d: %s", grammar, seed, r.text()).isTrue();
                    ended++;
                }
            }
            assertThat(ended).as("%s: walks that ended", grammar).isGreaterThan(seeds / 2);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tokenizers")
    void shouldAllowExactlyTheTokensTheRecognizerCanRead(String name, int seeds) {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(FixtureTokenizers.named(name));
        Random random = new Random(seeds);
        for (String grammar : List.of(ARITHMETIC, JSON)) {
            GrammarMasks masks = new GrammarMasks(EbnfGrammar.parse(grammar).start(), vocabulary);
            Recognizer state = masks.start();
            for (int step = 0; step < 25; step++) {
                long[] bits = masks.compute(state);
                List<Integer> allowed = new ArrayList<>();
                List<Integer> wrong = new ArrayList<>();
                for (int id = 0; id < vocabulary.size(); id++) {
                    byte[] bytes = vocabulary.bytes(id);
                    boolean reads = bytes != null && state.advance(bytes) != null;
                    boolean expected = reads || (vocabulary.isEos(id) && state.isComplete());
                    if (((bits[id >>> 6] & (1L << id)) != 0) != expected) {
                        wrong.add(id);
                    }
                    if (reads) {
                        allowed.add(id);
                    }
                }
                assertThat(wrong).as("%s: tokens the mask gets wrong at step %d", grammar, step).isEmpty();
                if (allowed.isEmpty()) {
                    break;
                }
                state = state.advance(vocabulary.bytes(allowed.get(random.nextInt(allowed.size()))));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void shouldRefuseATokenOutsideTheGrammarAndShareItsCompilation() {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(FixtureTokenizers.stories260K());
        TokenConstraint constraint = StructuredOutput.grammar(SQL, vocabulary);
        int token = -1;
        for (int id = 0; id < vocabulary.size() && token < 0; id++) {
            byte[] b = vocabulary.bytes(id);
            token = b != null && b.length == 1 && b[0] == 'x' ? id : -1;
        }
        int x = token;
        assertThatThrownBy(() -> constraint.accept(x)).hasMessageContaining("does not continue");
        assertThat(vocabulary.masks("ebnf:" + SQL, () -> null)).isSameAs(vocabulary.masks("ebnf:" + SQL, () -> null));
        assertThatThrownBy(() -> StructuredOutput.grammar("root ::= a\na ::= b \"x\" | \"y\"\nb ::= a \"z\"",
                vocabulary))
                .hasMessageContaining("left-recursive");
    }

    /** expr := term (('+' | '-') term){0,3}; term := digit{1,3} | '(' expr ')', read whole. */
    private static boolean isArithmetic(String text) {
        int[] pos = {0};
        return expr(text, pos) && pos[0] == text.length();
    }

    private static boolean expr(String s, int[] pos) {
        if (!term(s, pos)) {
            return false;
        }
        for (int i = 0; i < 3 && pos[0] < s.length() && (s.charAt(pos[0]) == '+' || s.charAt(pos[0]) == '-'); i++) {
            pos[0]++;
            if (!term(s, pos)) {
                return false;
            }
        }
        return true;
    }

    private static boolean term(String s, int[] pos) {
        if (pos[0] < s.length() && s.charAt(pos[0]) == '(') {
            pos[0]++;
            if (!expr(s, pos) || pos[0] == s.length() || s.charAt(pos[0]) != ')') {
                return false;
            }
            pos[0]++;
            return true;
        }
        int start = pos[0];
        while (pos[0] < s.length() && pos[0] - start < 3 && Character.isDigit(s.charAt(pos[0]))) {
            pos[0]++;
        }
        return pos[0] > start;
    }
}
