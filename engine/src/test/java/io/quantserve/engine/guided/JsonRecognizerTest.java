package io.quantserve.engine.guided;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The byte-level JSON recognizer over "any JSON value" and "any object". */
class JsonRecognizerTest {

    private static Recognizer read(JsonGrammar grammar, String text) {
        return grammar.start().advance(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "[]", "0", "-0", "-0.5e+10", "1E-3", "12.25", "1e5", "true", "false", "null",
            "\"\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"\\u00e9\\u20AC\"", "\"\\ud83d\\ude00\"", "\"é€😀\"",
            "{\"a\": [1, 2, {\"b\": null}], \"c\": \"d\"}", " {\"a\":1}", "[ 1 ,2 ]", "{\n \"k\": \"v\"\n}",
            "[[[[]]]]", "{\"\": {}}"})
    void shouldAcceptCompleteDocuments(String json) {
        Recognizer r = read(JsonGrammar.anyValue(), json);
        assertThat(r).as(json).isNotNull();
        assertThat(r.isComplete()).as(json).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "[1,", "\"abc", "-", "0.", "1e", "1e+", "tr", "{\"a\"", "{\"a\":", "[1, 2",
            "\"\\u00", "\"\\", "\"\\ud83d", "\"\\ud83d\\", "\"\\ud83d\\u", "\"\\ud83d\\ude", "1."})
    void shouldAcceptPrefixesThatAreNotYetDocuments(String json) {
        Recognizer r = read(JsonGrammar.anyValue(), json);
        assertThat(r).as(json).isNotNull();
        assertThat(r.isComplete()).as(json).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"01", "-01", "+1", ".5", "1.e5", "\"\\ud83d\\udb", "1e5.0", "--1", "0x10", "tru e", "nul1",
            "{a:1}", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "[,1]", "{,}", "\"\\x\"", "\"\\u12G4\"", "\"\\udc00\"",
            "\"\\ud83d\\u0041\"", "\"\\ud83dx\"", "{}}", "[] []", "{} ", "'a'", "\"a\tb\"", "\"a\nb\"", "NaN",
            "Infinity", "[1 2]", "{\"a\":1 \"b\":2}", "   1", "[1,   2]"})
    void shouldRejectInvalidJson(String json) {
        assertThat(read(JsonGrammar.anyValue(), json)).as(json).isNull();
    }

    @Test
    void shouldCheckUtf8ByteByByteSoATokenMayEndInsideACharacter() {
        byte[] euro = "\"€\"".getBytes(StandardCharsets.UTF_8); // E2 82 AC
        Recognizer r = JsonGrammar.anyValue().start();
        r = r.advance(Arrays.copyOfRange(euro, 0, 2)); // quote + first byte of the euro sign
        assertThat(r).isNotNull();
        assertThat(r.advance('"')).as("a character cut short").isNull();
        r = r.advance(Arrays.copyOfRange(euro, 2, euro.length));
        assertThat(r).isNotNull();
        assertThat(r.isComplete()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"C0 80", "C1 BF", "E0 80 80", "ED A0 80", "F0 80 80 80", "F4 90 80 80", "F5 80 80 80",
            "80", "BF", "FF", "C3 28", "E2 82 28"})
    void shouldRejectInvalidUtf8InStrings(String hex) {
        String[] parts = hex.split(" ");
        byte[] bytes = new byte[parts.length + 1];
        bytes[0] = '"';
        for (int i = 0; i < parts.length; i++) {
            bytes[i + 1] = (byte) Integer.parseInt(parts[i], 16);
        }
        assertThat(JsonGrammar.anyValue().start().advance(bytes)).as(hex).isNull();
    }

    @Test
    void shouldLimitWhitespaceSoAModelCannotPadForever() {
        assertThat(read(JsonGrammar.anyObject(), "{  \"a\":  1  }")).isNotNull();
        assertThat(read(JsonGrammar.anyObject(), "{   ")).isNull();
        assertThat(read(JsonGrammar.anyObject(), "{\"a\":\n\t 1}")).isNull();
    }

    @Test
    void shouldCapDigitRuns() {
        assertThat(read(JsonGrammar.anyValue(), "1".repeat(NumberFrame.MAX_INT_DIGITS))).isNotNull();
        assertThat(read(JsonGrammar.anyValue(), "1".repeat(NumberFrame.MAX_INT_DIGITS + 1))).isNull();
    }

    @Test
    void shouldAcceptOnlyObjectsForJsonObject() {
        assertThat(read(JsonGrammar.anyObject(), "{\"a\": [true]}").isComplete()).isTrue();
        assertThat(read(JsonGrammar.anyObject(), "[")).isNull();
        assertThat(read(JsonGrammar.anyObject(), "\"a\"")).isNull();
        assertThat(read(JsonGrammar.anyObject(), "1")).isNull();
    }

    @Test
    void shouldLetATopLevelNumberGoOnAfterItIsComplete() {
        Recognizer r = read(JsonGrammar.anyValue(), "12");
        assertThat(r.isComplete()).isTrue();
        assertThat(r.advance("3.5").isComplete()).isTrue();
    }

    @Test
    void shouldMakeEqualStatesEqual() {
        Recognizer a = read(JsonGrammar.anyObject(), "{\"key\": \"some text");
        Recognizer b = read(JsonGrammar.anyObject(), "{\"key\": \"other");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(read(JsonGrammar.anyObject(), "{\"key\": [\"other"));
    }

    @Test
    void shouldCapTheNestingOfFreeValuesWithoutADeadEnd() {
        Recognizer deep = read(JsonGrammar.anyValue(), "[".repeat(ValueFrame.MAX_FREE_DEPTH - 1));
        assertThat(deep).isNotNull();
        assertThat(deep.advance("[")).isNull();
        assertThat(deep.advance("1" + "]".repeat(ValueFrame.MAX_FREE_DEPTH - 1)).isComplete()).isTrue();
    }

    @Test
    void shouldCompareDeeplyNestedStatesWithoutOverflowingTheStack() {
        JsonGrammar tree = JsonGrammar.fromSchema(Schemas.parse(Schemas.TREE));
        String open = "{\"v\": 1, \"children\": [".repeat(20_000);
        Recognizer a = tree.start().advance(open);
        Recognizer b = tree.start().advance(open);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.advance("{\"v\": 2}").isComplete()).isFalse();
    }
}
