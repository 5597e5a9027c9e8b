package io.quantserve.engine.guided;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * JSON schema's minimum / maximum / exclusiveMinimum / exclusiveMaximum as the language of the JSON number texts
 * whose value lies in the interval: plain decimals (no exponent, no "-0", no leading zeros), at most 16 integer and
 * 16 fraction digits, as the unbounded number grammar caps them. Built from decimal comparisons digit by digit: an
 * integer range splits into runs of the same length and prefix; a fraction f ≥ d where, at the first digit they
 * differ, f's is larger (or f begins with d).
 */
final class NumberRanges {
    static final int MAX_DIGITS = 16;
    private static final BigDecimal LIMIT = BigDecimal.TEN.pow(MAX_DIGITS); // |value| < 10^16

    private NumberRanges() {
    }

    /** One end of an interval; null value: unbounded. */
    record Bound(BigDecimal value, boolean exclusive) {
        static final Bound NONE = new Bound(null, false);
    }

    /** States a multipleOf automaton may have (its remainders times its fraction digits): a bound on the work. */
    static final int MAX_MULTIPLE_STATES = 20_000;

    /**
     * The number texts of an {@code integer} (or any number) between {@code lower} and {@code upper}, multiples of
     * {@code multipleOf} when it is not null (then written with no more fraction digits than it has).
     *
     * @throws IllegalArgumentException when no such number exists, or multipleOf has too many digits to enforce
     */
    static CodePointDfa language(boolean integer, Bound lower, Bound upper, BigDecimal multipleOf) {
        CodePointDfa range = language(integer, lower, upper);
        if (multipleOf == null) {
            return range;
        }
        Automaton both = Operations.intersection(range.automaton(), multiples(multipleOf));
        return CodePointDfa.of(both, "the range", "no multiple of " + multipleOf.toPlainString() + " lies between "
                + describe(lower, true) + " and " + describe(upper, false));
    }

    /**
     * Decimal texts ({@code -?[0-9]+(\.[0-9]{1,s})?}, s the fraction digits of m) of the multiples of m: m = a / 10^s
     * with a whole, so x is one when x · 10^s is a whole multiple of a — the automaton keeps the remainder mod a of
     * the digits read, and accepts where that remainder, shifted to s fraction digits, is 0. Deterministic.
     */
    static Automaton multiples(BigDecimal m) {
        BigDecimal stripped = m.stripTrailingZeros();
        int s = Math.max(0, stripped.scale());
        BigInteger whole = stripped.movePointRight(s).toBigIntegerExact();
        if (whole.bitLength() > 30 || whole.intValueExact() * (long) (s + 2) > MAX_MULTIPLE_STATES) {
            throw new IllegalArgumentException("multipleOf " + m.toPlainString() + " has too many digits to enforce");
        }
        int a = whole.intValueExact();
        Automaton.Builder b = new Automaton.Builder();
        int start = b.createState();
        int signed = b.createState();
        int[] integer = new int[a];
        int[][] fraction = new int[s + 1][a]; // [0]: just after the point
        for (int r = 0; r < a; r++) {
            integer[r] = b.createState();
            b.setAccept(integer[r], r * powerOfTen(s, a) % a == 0);
            for (int k = 0; k <= s; k++) {
                fraction[k][r] = b.createState();
                b.setAccept(fraction[k][r], k > 0 && r * powerOfTen(s - k, a) % a == 0);
            }
        }
        b.addTransition(start, signed, '-');
        for (int d = 0; d <= 9; d++) {
            b.addTransition(start, integer[d % a], '0' + d);
            b.addTransition(signed, integer[d % a], '0' + d);
        }
        for (int r = 0; r < a; r++) {
            for (int d = 0; d <= 9; d++) {
                int next = (int) ((r * 10L + d) % a);
                b.addTransition(integer[r], integer[next], '0' + d);
                for (int k = 0; k < s; k++) {
                    b.addTransition(fraction[k][r], fraction[k + 1][next], '0' + d);
                }
            }
            if (s > 0) {
                b.addTransition(integer[r], fraction[0][r], '.');
            }
        }
        return b.finish();
    }

    /** 10^e mod a. */
    private static long powerOfTen(int e, int a) {
        long p = 1 % a;
        for (int i = 0; i < e; i++) {
            p = p * 10 % a;
        }
        return p;
    }

    /**
     * The number texts of an {@code integer} (or any number) between {@code lower} and {@code upper}.
     *
     * @throws IllegalArgumentException when no such number exists
     */
    static CodePointDfa language(boolean integer, Bound lower, Bound upper) {
        BigDecimal lo = lower.value == null ? LIMIT.negate() : lower.value;
        BigDecimal hi = upper.value == null ? LIMIT : upper.value;
        boolean loIn = lower.value != null && !lower.exclusive;
        boolean hiIn = upper.value != null && !upper.exclusive;
        if (lo.compareTo(LIMIT.negate()) < 0) {
            lo = LIMIT.negate();
            loIn = false;
        }
        if (hi.compareTo(LIMIT) > 0) {
            hi = LIMIT;
            hiIn = false;
        }
        if (integer) { // to whole numbers, inclusive
            lo = loIn ? lo.setScale(0, RoundingMode.CEILING) : lo.setScale(0, RoundingMode.FLOOR).add(BigDecimal.ONE);
            hi = hiIn ? hi.setScale(0, RoundingMode.FLOOR) : hi.setScale(0, RoundingMode.CEILING).subtract(BigDecimal.ONE);
            loIn = true;
            hiIn = true;
        }
        List<Automaton> parts = new ArrayList<>();
        int toZero = hi.signum();
        // values ≥ 0: [max(lo, 0), hi]
        if (toZero > 0 || (toZero == 0 && hiIn)) {
            boolean fromZero = lo.signum() < 0;
            parts.add(nonNegative(integer, fromZero ? BigDecimal.ZERO : lo, fromZero || loIn, hi, hiIn));
        }
        // values < 0: -v in (max(-hi, 0), -lo]
        if (lo.signum() < 0) {
            boolean below = hi.signum() < 0;
            Automaton negated = nonNegative(integer, below ? hi.negate() : BigDecimal.ZERO, below && hiIn,
                    lo.negate(), loIn);
            parts.add(Operations.concatenate(Automata.makeChar('-'), negated));
        }
        Automaton all = parts.isEmpty() ? Automata.makeEmpty() : Operations.union(parts);
        return CodePointDfa.of(all, "the range", "no " + (integer ? "integer" : "number") + " lies between "
                + describe(lower, true) + " and " + describe(upper, false));
    }

    /** Texts of the values in [l, h] (l ≥ 0; each end in or out): an integer part, then a fraction for numbers. */
    private static Automaton nonNegative(boolean integer, BigDecimal l, boolean lIn, BigDecimal h, boolean hIn) {
        if (l.compareTo(h) > 0 || (l.compareTo(h) == 0 && !(lIn && hIn))) {
            return Automata.makeEmpty();
        }
        BigInteger lw = l.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
        BigInteger hw = h.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
        String lf = fractionDigits(l);
        String hf = fractionDigits(h);
        if (integer) { // whole bounds
            BigInteger a = lIn ? lw : lw.add(BigInteger.ONE);
            BigInteger b = hIn ? hw : hw.subtract(BigInteger.ONE);
            return a.compareTo(b) > 0 ? Automata.makeEmpty() : regex(integers(a, b));
        }
        if (lw.equals(hw)) {
            return Operations.concatenate(regex(lw.toString()),
                    Operations.intersection(deterministic(atLeast(lf, lIn)), deterministic(atMost(hf, hIn))));
        }
        List<Automaton> parts = new ArrayList<>();
        parts.add(regex(lw + "(" + atLeast(lf, lIn) + ")"));
        if (lw.add(BigInteger.ONE).compareTo(hw.subtract(BigInteger.ONE)) <= 0) {
            parts.add(regex("(" + integers(lw.add(BigInteger.ONE), hw.subtract(BigInteger.ONE)) + ")(\\.\\d{1,"
                    + MAX_DIGITS + "})?"));
        }
        if (hw.compareTo(LIMIT.toBigIntegerExact()) < 0) { // 10^16 itself has too many digits
            parts.add(regex(hw + "(" + atMost(hf, hIn) + ")"));
        }
        return Operations.union(parts);
    }

    /** The digits after the point, trailing zeros dropped ("" for a whole number). */
    private static String fractionDigits(BigDecimal v) {
        BigDecimal f = v.subtract(v.setScale(0, RoundingMode.FLOOR)).stripTrailingZeros();
        return f.signum() == 0 ? "" : f.toPlainString().substring(2);
    }

    /** A fraction part (nothing, or "." and digits) whose value is at least (or above) 0.d. */
    private static String atLeast(String d, boolean in) {
        String tail = "\\d{0," + MAX_DIGITS + "}";
        // more digits with a non-zero among them, written so that the automaton knows where it is: zeros, then the
        // first non-zero (an ambiguous \d*[1-9]\d* would blow up when determinized)
        String nonZero = "0{0," + (MAX_DIGITS - 1) + "}[1-9]\\d{0," + (MAX_DIGITS - 1) + "}";
        if (d.isEmpty()) {
            return in ? "(\\.\\d{1," + MAX_DIGITS + "})?" : "\\." + nonZero;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < d.length(); i++) {
            int digit = d.charAt(i) - '0';
            if (digit < 9) {
                out.add("\\." + d.substring(0, i) + "[" + (digit + 1) + "-9]" + tail);
            }
        }
        out.add("\\." + d + (in ? tail : nonZero));
        return String.join("|", out);
    }

    /** A fraction part whose value is at most (or below) 0.d. */
    private static String atMost(String d, boolean in) {
        String zeros = "0{0," + MAX_DIGITS + "}";
        if (d.isEmpty()) {
            return in ? "(\\.0{1," + MAX_DIGITS + "})?" : "[^\\s\\S]"; // nothing is below 0
        }
        List<String> out = new ArrayList<>();
        out.add(""); // no fraction: 0 < 0.d
        for (int i = 0; i < d.length(); i++) {
            int digit = d.charAt(i) - '0';
            if (digit > 0) {
                out.add("\\." + d.substring(0, i) + "[0-" + (digit - 1) + "]\\d{0," + MAX_DIGITS + "}");
            }
            if (i > 0) {
                out.add("\\." + d.substring(0, i) + zeros); // a shorter start of d: below it (d ends in a non-zero)
            }
        }
        if (in) {
            out.add("\\." + d + zeros);
        }
        return String.join("|", out);
    }

    /** Whole numbers a..b (0 ≤ a ≤ b) without leading zeros. */
    static String integers(BigInteger a, BigInteger b) {
        List<String> out = new ArrayList<>();
        String as = a.toString();
        String bs = b.toString();
        for (int length = as.length(); length <= bs.length(); length++) {
            String from = length == as.length() ? as : "1" + "0".repeat(length - 1);
            String to = length == bs.length() ? bs : "9".repeat(length);
            out.add(sameLength(from, to));
        }
        return String.join("|", out);
    }

    /** Digit strings of one length from {@code from} to {@code to} (leading zeros as written). */
    private static String sameLength(String from, String to) {
        if (from.isEmpty()) {
            return "";
        }
        char f = from.charAt(0);
        char t = to.charAt(0);
        String fromRest = from.substring(1);
        String toRest = to.substring(1);
        String any = toRest.isEmpty() ? "" : "\\d{" + toRest.length() + "}";
        if (fromRest.chars().allMatch(c -> c == '0') && toRest.chars().allMatch(c -> c == '9')) {
            return "[" + f + "-" + t + "]" + any; // every string from f00.. to t99..: one run (keeps this linear)
        }
        if (f == t) {
            return f + "(" + sameLength(fromRest, toRest) + ")";
        }
        List<String> out = new ArrayList<>();
        out.add(f + "(" + sameLength(fromRest, "9".repeat(fromRest.length())) + ")");
        if (f + 1 <= t - 1) {
            out.add("[" + (char) (f + 1) + "-" + (char) (t - 1) + "]" + any);
        }
        out.add(t + "(" + sameLength("0".repeat(toRest.length()), toRest) + ")");
        return String.join("|", out);
    }

    private static Automaton regex(String pattern) {
        return PythonRegex.parse(pattern);
    }

    private static Automaton deterministic(String pattern) { // Lucene intersects deterministic automata
        return CodePointDfa.determinize(regex(pattern), "the range");
    }

    private static String describe(Bound b, boolean lower) {
        if (b.value == null) {
            return lower ? "-infinity" : "infinity";
        }
        return b.value.toPlainString() + (b.exclusive ? " (exclusive)" : "");
    }
}
