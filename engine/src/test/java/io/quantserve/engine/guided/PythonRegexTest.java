package io.quantserve.engine.guided;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.lucene.util.automaton.ByteRunAutomaton;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The regular expressions of guided_regex against CPython's {@code re.fullmatch}: the answers in
 * {@code guided/regex/cases.json} come from {@code make.py} beside it, which uses no QuantServe code.
 */
class PythonRegexTest {
    private static final JsonNode CASES = load();

    private static JsonNode load() {
        try (InputStream in = PythonRegexTest.class.getResourceAsStream("/guided/regex/cases.json")) {
            return Schemas.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<JsonNode> enumerated() {
        return CASES.get("enumerated").valueStream();
    }

    static boolean matches(ByteRunAutomaton dfa, String text) {
        int state = 0;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            state = dfa.step(state, b & 0xff);
            if (state < 0) {
                return false;
            }
        }
        return dfa.isAccept(state);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("enumerated")
    void shouldMatchWhatPythonMatchesOverEveryShortString(JsonNode c) {
        String pattern = c.get("pattern").asString();
        ByteRunAutomaton dfa = RegexMasks.compile(pattern);
        List<String> strings = strings(c.get("alphabet").asString(), c.get("length").asInt());
        assertThat(strings).hasSize(c.get("count").asInt());
        String hex = c.get("matches").asString();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < strings.size(); i++) {
            boolean expected = (Character.digit(hex.charAt(i / 4), 16) >> (3 - i % 4) & 1) == 1;
            if (matches(dfa, strings.get(i)) != expected) {
                wrong.add((expected ? "should match: " : "should not match: ") + escape(strings.get(i)));
            }
        }
        assertThat(wrong).as("pattern %s", pattern).isEmpty();
    }

    @Test
    void shouldMatchWhatPythonMatchesBeyondAscii() {
        List<String> wrong = new ArrayList<>();
        for (JsonNode c : CASES.get("explicit")) {
            String pattern = c.get("pattern").asString();
            String text = c.get("string").asString();
            if (matches(RegexMasks.compile(pattern), text) != c.get("matches").asBoolean()) {
                wrong.add(pattern + " on " + escape(text) + ": Python says " + c.get("matches").asBoolean());
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void shouldRefuseWhatPythonRefuses() {
        List<String> accepted = new ArrayList<>();
        for (JsonNode c : CASES.get("invalid")) {
            String pattern = c.get("pattern").asString();
            try {
                RegexMasks.compile(pattern);
                accepted.add(pattern + " (Python: " + c.get("python").asString() + ")");
            } catch (IllegalArgumentException e) {
                assertThat(e).as(pattern).hasMessageContaining("at position");
            }
        }
        assertThat(accepted).isEmpty();
    }

    @Test
    void shouldRefuseWhatNoAutomatonCanCheckByName() {
        assertRefused("(?=a)a", "lookahead assertions are not supported at position 0");
        assertRefused("a(?!b).", "lookahead assertions are not supported at position 1");
        assertRefused("(?<=a)b", "lookbehind assertions are not supported at position 0");
        assertRefused("(?<!a)b", "lookbehind assertions are not supported at position 0");
        assertRefused("(a)\\1", "backreferences (\\1) are not supported at position 3");
        assertRefused("(?P<x>a)(?P=x)", "backreferences ((?P=name)) are not supported at position 8");
        assertRefused("\\bword", "word boundaries (\\b) are not supported at position 0");
        assertRefused("(?i)abc", "inline flags and extensions (?i...) are not supported at position 0");
        assertRefused("(?>a+)b", "atomic groups are not supported");
        assertRefused("a*+", "possessive quantifiers are not supported at position 2");
        assertRefused("(a)(?(1)b|c)", "conditional groups are not supported at position 3");
        assertRefused("a^b", "'^' and '\\A' are supported only at the start of the pattern at position 1");
        assertRefused("a$b", "'$' and '\\Z' are supported only at the end of the pattern at position 1");
        assertRefused("(^a)*", "anchors inside a repeated group are not supported at position 0");
        assertRefused("x{1001}", "repeat count 1001 is over the largest supported, 1000");
        // nested counts multiply: refused before the copies are made, not an OutOfMemoryError
        assertRefused("(?:(?:(?:a{1000}){1000}){1000})", "copies of a");
        assertRefused("x|(?:(?:ab){400}){1000}", "too large");
        assertRefused("[^\\s\\S]", "matches no text");
        assertRefused("(a|b)*a(a|b){40}", "too complex");
    }

    @Test
    void shouldNameThePatternAndPositionInErrors() {
        assertThatThrownBy(() -> RegexMasks.compile("ab[cd")).hasMessage(
                "regular expression: unterminated character set at position 2 of 'ab[cd'");
    }

    @Test
    void shouldMatchNumbersInRepeatedClassesAtTheirLimits() {
        ByteRunAutomaton dfa = RegexMasks.compile("[0-9]{1,1000}");
        assertThat(matches(dfa, "7".repeat(1000))).isTrue();
        assertThat(matches(dfa, "7".repeat(1001))).isFalse();
        ByteRunAutomaton lazy = RegexMasks.compile("\\d+?,\\d*?");
        assertThat(matches(lazy, "12,")).isTrue();
        assertThat(matches(lazy, "12,34")).isTrue();
    }

    private static void assertRefused(String pattern, String message) {
        assertThatThrownBy(() -> RegexMasks.compile(pattern)).as(pattern)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    /** Every string over {@code alphabet} up to {@code length}, by length, then by alphabet position. */
    private static List<String> strings(String alphabet, int length) {
        int[] chars = alphabet.codePoints().toArray();
        List<String> out = new ArrayList<>();
        out.add("");
        List<String> previous = List.of("");
        for (int n = 1; n <= length; n++) {
            List<String> next = new ArrayList<>();
            for (String p : previous) {
                for (int c : chars) {
                    next.add(p + Character.toString(c));
                }
            }
            out.addAll(next);
            previous = next;
        }
        return out;
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(c -> out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c)
                : Character.toString(c)));
        return out.append('"').toString();
    }
}
