package io.quantserve.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {

    @Test
    void passesTextThroughWhenNothingCouldMatch() {
        var s = new StopStrings(List.of("###"));
        assertThat(s.push("Hello")).isEqualTo(new StopStrings.Emit("Hello", null));
        assertThat(s.push(" world")).isEqualTo(new StopStrings.Emit(" world", null));
        assertThat(s.flush()).isEmpty();
    }

    @Test
    void stopStringSplitAcrossPieces() {
        var s = new StopStrings(List.of("</answer>"));
        assertThat(s.push("42</").text()).isEqualTo("42"); // "</" could begin the stop string
        assertThat(s.push("ans").text()).isEmpty();
        StopStrings.Emit last = s.push("wer> trailing");
        assertThat(last.text()).isEmpty();
        assertThat(last.stopped()).isTrue();
        assertThat(last.stop()).isEqualTo("</answer>");
        assertThat(s.stopped()).isTrue();
        assertThat(s.push("more").text()).isEmpty();
        assertThat(s.flush()).isEmpty();
    }

    @Test
    void heldTextIsReleasedWhenItTurnsOutNotToMatch() {
        var s = new StopStrings(List.of("STOP"));
        assertThat(s.push("a ST").text()).isEqualTo("a ");
        assertThat(s.push("OP").stopped()).isTrue();

        var t = new StopStrings(List.of("STOP"));
        assertThat(t.push("a ST").text()).isEqualTo("a ");
        assertThat(t.push("ART").text()).isEqualTo("START");
        assertThat(t.push("ST").text()).isEmpty();
        assertThat(t.flush()).isEqualTo("ST"); // generation ended for another reason
    }

    @Test
    void textBeforeTheStopInTheSamePieceIsEmitted() {
        var s = new StopStrings(List.of("\n\n", "User:"));
        StopStrings.Emit e = s.push("The end.\n\nUser: next");
        assertThat(e).isEqualTo(new StopStrings.Emit("The end.", "\n\n"));
    }

    @Test
    void earliestStopWinsAndOverlappingPrefixesAreHeld() {
        var s = new StopStrings(List.of("abc", "bcd"));
        assertThat(s.push("xab").text()).isEqualTo("x");
        assertThat(s.push("cd")).isEqualTo(new StopStrings.Emit("", "abc"));

        var t = new StopStrings(List.of("aab"));
        assertThat(t.push("aa").text()).isEmpty();
        assertThat(t.push("a").text()).isEqualTo("a"); // "aaa": only the last "aa" can still start "aab"
        assertThat(t.push("b")).isEqualTo(new StopStrings.Emit("", "aab"));
    }

    @Test
    void noStopStringsAndEmptyStringsAreHarmless() {
        var s = new StopStrings(List.of(""));
        assertThat(s.push("anything")).isEqualTo(new StopStrings.Emit("anything", null));
        assertThat(new StopStrings(List.of()).push("x").text()).isEqualTo("x");
    }
}
