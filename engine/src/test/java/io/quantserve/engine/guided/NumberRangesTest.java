package io.quantserve.engine.guided;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.guided.NumberRanges.Bound;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The range automata against BigDecimal comparison over every plain decimal text of a grid (with and without
 * trailing zeros, "-0" and leading zeros among them), for random bounds of either kind.
 */
class NumberRangesTest {

    @Test
    void shouldAcceptExactlyTheIntegersInRandomRanges() {
        Random random = new Random(7);
        List<String> texts = new ArrayList<>(List.of("-0", "00", "01", "-01", "1.0", "1e1"));
        for (int v = -1200; v <= 1200; v++) {
            texts.add(Integer.toString(v));
        }
        for (int trial = 0; trial < 40; trial++) {
            Bound lower = randomBound(random, 1000, 1);
            Bound upper = randomBound(random, 1000, 1);
            check(true, lower, upper, texts);
        }
    }

    @Test
    void shouldAcceptExactlyTheDecimalsInRandomRanges() {
        Random random = new Random(11);
        List<String> texts = new ArrayList<>(List.of("-0", "-0.0", "00.5", ".5", "1.", "1e0"));
        for (int v = -3000; v <= 3000; v += 7) { // -3.000 .. 3.000 in steps of 0.007, written 0-3 decimals
            BigDecimal d = BigDecimal.valueOf(v, 3);
            texts.add(d.toPlainString());
            texts.add(d.stripTrailingZeros().toPlainString());
            texts.add(d.setScale(4).toPlainString());
        }
        for (int trial = 0; trial < 40; trial++) {
            Bound lower = randomBound(random, 3000, 3);
            Bound upper = randomBound(random, 3000, 3);
            check(false, lower, upper, texts);
        }
    }

    @Test
    void shouldAcceptExactlyTheMultiplesInRandomRanges() {
        Random random = new Random(13);
        List<String> texts = new ArrayList<>(List.of("-0", "00", "1.", "2.50", "0.50", "1e1", "-10.00"));
        for (int v = -3000; v <= 3000; v += 5) { // -30.00 .. 30.00 in steps of 0.05, written 0-2 decimals
            BigDecimal d = BigDecimal.valueOf(v, 2);
            texts.add(d.toPlainString());
            texts.add(d.stripTrailingZeros().toPlainString());
        }
        List<String> multiples = List.of("5", "3", "7", "0.5", "0.25", "0.05", "0.1", "2.5", "1.5", "0.3", "12");
        for (int trial = 0; trial < 60; trial++) {
            BigDecimal m = new BigDecimal(multiples.get(trial % multiples.size()));
            Bound lower = randomBound(random, 3000, 2);
            Bound upper = randomBound(random, 3000, 2);
            boolean integer = random.nextInt(3) == 0;
            CodePointDfa dfa;
            try {
                dfa = NumberRanges.language(integer, lower, upper, m);
            } catch (IllegalArgumentException e) {
                assertThat(texts.stream().filter(t -> isMultiple(t, integer, lower, upper, m)).toList())
                        .as("%s %s..%s by %s: %s", integer, lower, upper, m, e.getMessage()).isEmpty();
                continue;
            }
            List<String> wrong = new ArrayList<>();
            for (String t : texts) {
                boolean expected = isMultiple(t, integer, lower, upper, m);
                if (matches(dfa, t) != expected) {
                    wrong.add(t + (expected ? " (should match)" : " (should not)"));
                }
            }
            assertThat(wrong).as("%s %s..%s by %s", integer ? "integer" : "number", lower, upper, m).isEmpty();
        }
    }

    @Test
    void shouldRefuseAMultipleWithTooManyDigitsToEnforce() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NumberRanges.language(false, Bound.NONE, Bound.NONE,
                new BigDecimal("123457.891"))).hasMessageContaining("multipleOf 123457.891 has too many digits");
        assertThat(matches(NumberRanges.language(false, Bound.NONE, Bound.NONE, new BigDecimal("1E-10")),
                "0.0000000001")).isTrue();
    }

    /** Canonical, in range, a multiple of m, and written with no more fraction digits than m has. */
    private static boolean isMultiple(String t, boolean integer, Bound lower, Bound upper, BigDecimal m) {
        if (!isCanonical(t, integer) || !inRange(t, lower, upper)) {
            return false;
        }
        int point = t.indexOf('.');
        int digits = point < 0 ? 0 : t.length() - point - 1;
        return digits <= Math.max(0, m.stripTrailingZeros().scale())
                && new BigDecimal(t).remainder(m).signum() == 0;
    }

    private static void check(boolean integer, Bound lower, Bound upper, List<String> texts) {
        CodePointDfa dfa;
        try {
            dfa = NumberRanges.language(integer, lower, upper);
        } catch (IllegalArgumentException e) { // no value in range: then none of the texts may be in it either
            assertThat(texts.stream().filter(t -> isCanonical(t, integer) && inRange(t, lower, upper)).toList())
                    .as("%s %s..%s: %s", integer, lower, upper, e.getMessage()).isEmpty();
            return;
        }
        List<String> wrong = new ArrayList<>();
        for (String t : texts) {
            boolean expected = isCanonical(t, integer) && inRange(t, lower, upper);
            if (matches(dfa, t) != expected) {
                wrong.add(t + (expected ? " (should match)" : " (should not)"));
            }
        }
        assertThat(wrong).as("%s %s..%s", integer ? "integer" : "number", lower, upper).isEmpty();
    }

    /** A plain JSON number without "-0", leading zeros or exponent (what the ranges write); integers without '.'. */
    private static boolean isCanonical(String t, boolean integer) {
        String pattern = integer ? "-?(0|[1-9]\\d*)" : "-?(0|[1-9]\\d*)(\\.\\d+)?";
        return t.matches(pattern) && !(t.startsWith("-") && new BigDecimal(t).signum() == 0);
    }

    private static boolean inRange(String t, Bound lower, Bound upper) {
        BigDecimal v = new BigDecimal(t);
        if (lower.value() != null) {
            int c = v.compareTo(lower.value());
            if (c < 0 || (c == 0 && lower.exclusive())) {
                return false;
            }
        }
        if (upper.value() != null) {
            int c = v.compareTo(upper.value());
            return c < 0 || (c == 0 && !upper.exclusive());
        }
        return true;
    }

    private static Bound randomBound(Random random, int spread, int scale) {
        if (random.nextInt(6) == 0) {
            return Bound.NONE;
        }
        return new Bound(BigDecimal.valueOf(random.nextInt(2 * spread + 1) - spread, scale), random.nextBoolean());
    }

    private static boolean matches(CodePointDfa dfa, String text) {
        int state = 0;
        for (int i = 0; i < text.length() && state >= 0; i++) {
            state = dfa.step(state, text.charAt(i));
        }
        return state >= 0 && dfa.isAccept(state);
    }
}
