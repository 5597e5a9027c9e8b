package io.quantserve.engine.guided;

import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * Reads a regular expression in Python's {@code re} syntax (what vLLM's {@code guided_regex} takes) into an automaton
 * over code points that accepts exactly the strings the pattern fully matches ({@code re.fullmatch}).
 *
 * <p>Supported: literals and escapes ({@code \n \t \r \f \v \a \0 \xhh \\uhhhh \Uhhhhhhhh \N{NAME}}, octal, escaped
 * punctuation), {@code .} (anything but a newline), character classes with ranges and negation, {@code \d \w \s} and
 * their negations with the meaning Python's {@code re.ASCII} flag gives them ([0-9], [a-zA-Z0-9_], [ \t\n\r\f\v]),
 * groups ({@code (...)}, {@code (?:...)}, {@code (?P<name>...)}),
 * alternation, the quantifiers {@code * + ? {n} {n,} {,m} {n,m}} (lazy forms mean the same for a whole match),
 * comments {@code (?#...)}, and {@code ^ \A} at the start and {@code $ \Z} at the end. Refused, naming the construct and
 * its position: lookarounds, backreferences, word boundaries, inline flags, atomic groups, possessive quantifiers,
 * conditionals — none of them describes a regular language an automaton can check token by token.
 */
final class PythonRegex {
    static final int MAX_REPEAT = 1000;
    /** States the copies of one counted repeat may have together. */
    static final int MAX_REPEATED_STATES = 200_000;

    private static final CodePointSet NEWLINE = CodePointSet.of('\n');
    private static final CodePointSet ANY_BUT_NEWLINE = NEWLINE.complement();
    // ASCII, as with Python's re.ASCII flag (and JavaScript's \d \w, as vLLM's default grammar backend reads them):
    // a pattern asking for \d{3} wants 0-9, not any script's digits
    private static final CodePointSet DIGITS = CodePointSet.of('0', '9');
    private static final CodePointSet WORDS = CodePointSet.union(List.of(DIGITS, CodePointSet.of('A', 'Z'),
            CodePointSet.of('a', 'z'), CodePointSet.of('_')));
    private static final CodePointSet SPACES = CodePointSet.union(List.of(CodePointSet.of('\t', '\r'),
            CodePointSet.of(' ')));
    // JSON schema patterns are ECMAScript's: \s is Unicode white space and line terminators, '.' no line terminator
    private static final CodePointSet ECMA_SPACES = CodePointSet.union(List.of(SPACES, CodePointSet.of(0xa0),
            CodePointSet.of(0x1680), CodePointSet.of(0x2000, 0x200a), CodePointSet.of(0x2028, 0x2029),
            CodePointSet.of(0x202f), CodePointSet.of(0x205f), CodePointSet.of(0x3000), CodePointSet.of(0xfeff)));
    private static final CodePointSet ECMA_DOT = CodePointSet.union(List.of(CodePointSet.of('\n'),
            CodePointSet.of('\r'), CodePointSet.of(0x2028, 0x2029))).complement();
    private static final CodePointSet ANYTHING = CodePointSet.all();

    private final String pattern;
    private final boolean search; // a JSON schema pattern: ECMAScript's meaning where it differs, found anywhere
    private final boolean dotAll; // '.' matches a newline too
    private int pos;

    private PythonRegex(String pattern, boolean search, boolean dotAll) {
        this.pattern = pattern;
        this.search = search;
        this.dotAll = dotAll;
    }

    /**
     * The automaton of {@code pattern} (not determinized).
     *
     * @throws IllegalArgumentException naming the problem and its position when the pattern is not valid or uses a
     *                                  construct that is not supported
     */
    static Automaton parse(String pattern) {
        return new PythonRegex(pattern, false, false).whole();
    }

    /** As {@link #parse}, with {@code .} matching every character, newlines too (Python's {@code re.DOTALL}). */
    static Automaton parseDotAll(String pattern) {
        return new PythonRegex(pattern, false, true).whole();
    }

    /**
     * The automaton of the strings in which a JSON schema {@code pattern} finds a match (it is not anchored: an
     * alternative without {@code ^} may begin anywhere, one without {@code $} end anywhere). The syntax is the common
     * ground of ECMAScript's (which JSON schema names) and Python's, plus ECMAScript's {@code (?<name>...)}; {@code .},
     * {@code \s} and {@code \S} take ECMAScript's meaning. Anchors must begin or end a top-level alternative.
     *
     * @throws IllegalArgumentException as {@link #parse}
     */
    static Automaton parseSearch(String pattern) {
        return new PythonRegex(pattern, true, false).whole();
    }

    private Automaton whole() {
        Part whole = alternation(true, true);
        if (pos < pattern.length()) { // alternation stops only at the end or at ')'
            throw error("unbalanced parenthesis", pos);
        }
        return whole.automaton;
    }

    /**
     * What a parsed part accepts (null: it reads nothing — an anchor or a comment), and whether it holds a {@code ^}
     * or a {@code $}, which only the ends of the whole pattern may have.
     */
    private record Part(Automaton automaton, boolean anchored, boolean ended) {
        static Part of(Automaton automaton) {
            return new Part(automaton, false, false);
        }
    }

    /**
     * branch ('|' branch)*, up to the end or a ')'. {@code atStart}: nothing can have been read before it; {@code top}:
     * the pattern's own alternatives (a search lets them begin and end anywhere unless anchored).
     */
    private Part alternation(boolean atStart, boolean top) {
        List<Automaton> branches = new ArrayList<>();
        boolean anchored = false;
        boolean ended = false;
        while (true) {
            Part b = branch(atStart);
            if (search && top) {
                Automaton any = Operations.repeat(ANYTHING.automaton());
                branches.add(Operations.concatenate(List.of(b.anchored ? Automata.makeEmptyString() : any,
                        b.automaton, b.ended ? Automata.makeEmptyString() : any)));
            } else {
                branches.add(b.automaton);
            }
            anchored |= b.anchored;
            ended |= b.ended;
            if (pos < pattern.length() && pattern.charAt(pos) == '|') {
                pos++;
                continue;
            }
            break;
        }
        Automaton a = branches.size() == 1 ? branches.getFirst() : Operations.union(branches);
        return new Part(a, anchored, ended);
    }

    /** A sequence of quantified atoms, up to '|', ')' or the end. */
    private Part branch(boolean atStart) {
        List<Automaton> parts = new ArrayList<>();
        boolean anchored = false;
        int endedAt = -1;
        boolean start = atStart;
        while (pos < pattern.length() && pattern.charAt(pos) != '|' && pattern.charAt(pos) != ')') {
            int atomStart = pos;
            Part atom = atom(start);
            if (atom.automaton != null) {
                if (endedAt >= 0) {
                    throw error("'$' and '\\Z' are supported only at the end of the pattern", endedAt);
                }
                parts.add(quantified(atom, atomStart));
                start = false;
            }
            anchored |= atom.anchored;
            if (atom.ended && endedAt < 0) {
                endedAt = atomStart;
            }
        }
        return new Part(parts.isEmpty() ? Automata.makeEmptyString() : Operations.concatenate(parts), anchored,
                endedAt >= 0);
    }

    private static final Part NOTHING = new Part(null, false, false);

    /** One atom. */
    private Part atom(boolean atStart) {
        int at = pos;
        int c = pattern.codePointAt(pos);
        pos += Character.charCount(c);
        return switch (c) {
            case '(' -> group(at, atStart);
            case '[' -> Part.of(characterClass(at).automaton());
            case '.' -> Part.of((dotAll ? ANYTHING : search ? ECMA_DOT : ANY_BUT_NEWLINE).automaton());
            case '^' -> startAnchor(at, atStart);
            case '$' -> new Part(null, false, true);
            case '*', '+', '?' -> throw error("nothing to repeat", at);
            case '{' -> {
                pos = at;
                if (repeatBounds() != null) {
                    throw error("nothing to repeat", at);
                }
                pos = at + 1;
                yield Part.of(Automata.makeChar('{'));
            }
            case '\\' -> escapeAtom(at, atStart);
            default -> Part.of(Automata.makeChar(c));
        };
    }

    private Part startAnchor(int at, boolean atStart) {
        if (!atStart) {
            throw error("'^' and '\\A' are supported only at the start of the pattern", at);
        }
        return new Part(null, true, false);
    }

    private Part group(int at, boolean atStart) {
        if (pos < pattern.length() && pattern.charAt(pos) == '?') {
            pos++;
            char kind = pos < pattern.length() ? pattern.charAt(pos) : 0;
            switch (kind) {
                case ':' -> pos++;
                case 'P' -> {
                    pos++;
                    char next = pos < pattern.length() ? pattern.charAt(pos) : 0;
                    if (next == '=') {
                        throw error("backreferences ((?P=name)) are not supported", at);
                    }
                    if (next != '<') {
                        throw error("unknown extension ?P" + (next == 0 ? "" : String.valueOf(next)), at);
                    }
                    groupName(at);
                }
                case '<' -> {
                    char next = pos + 1 < pattern.length() ? pattern.charAt(pos + 1) : 0;
                    if (next == '=' || next == '!') {
                        throw error("lookbehind assertions are not supported", at);
                    }
                    if (!search) {
                        throw error("unknown extension ?<" + (next == 0 ? "" : String.valueOf(next)), at);
                    }
                    groupName(at); // ECMAScript's named group
                }
                case '=', '!' -> throw error("lookahead assertions are not supported", at);
                case '#' -> {
                    int close = pattern.indexOf(')', pos);
                    if (close < 0) {
                        throw error("missing ), unterminated comment", at);
                    }
                    pos = close + 1;
                    return NOTHING;
                }
                case '>' -> throw error("atomic groups are not supported", at);
                case '(' -> throw error("conditional groups are not supported", at);
                default -> throw error("inline flags and extensions (?" + (kind == 0 ? "" : String.valueOf(kind))
                        + "...) are not supported", at);
            }
        }
        Part inner = alternation(atStart, false);
        if (search && (inner.anchored || inner.ended)) {
            throw error("anchors inside a group are not supported in a JSON schema pattern (only at the start or end"
                    + " of an alternative)", at);
        }
        if (pos >= pattern.length() || pattern.charAt(pos) != ')') {
            throw error("missing ), unterminated subpattern", at);
        }
        pos++;
        return inner;
    }

    /** {@code <name>} of a named group. */
    private void groupName(int at) {
        int close = pattern.indexOf('>', pos);
        if (close < 0 || close == pos + 1) {
            throw error("missing group name", at);
        }
        String name = pattern.substring(pos + 1, close);
        if (!name.codePoints().allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_')
                || Character.isDigit(name.codePointAt(0))) {
            throw error("bad character in group name '" + name + "'", at);
        }
        pos = close + 1;
    }

    /** The atom, repeated as the quantifiers after it say. */
    private Automaton quantified(Part atom, int atomStart) {
        Automaton a = atom.automaton;
        if (pos >= pattern.length()) {
            return a;
        }
        int at = pos;
        char q = pattern.charAt(pos);
        int min;
        int max; // -1: unbounded
        if (q == '*' || q == '+' || q == '?') {
            pos++;
            min = q == '+' ? 1 : 0;
            max = q == '?' ? 1 : -1;
        } else if (q == '{') {
            int[] bounds = repeatBounds();
            if (bounds == null) {
                return a; // a literal '{' follows
            }
            min = bounds[0];
            max = bounds[1];
        } else {
            return a;
        }
        if (atom.anchored || atom.ended) {
            throw error("anchors inside a repeated group are not supported", atomStart);
        }
        if (pos < pattern.length() && pattern.charAt(pos) == '?') {
            pos++; // lazy: the same strings match whole
        } else if (pos < pattern.length() && pattern.charAt(pos) == '+') {
            throw error("possessive quantifiers are not supported", pos);
        }
        if (pos < pattern.length() && (pattern.charAt(pos) == '*' || pattern.charAt(pos) == '+'
                || pattern.charAt(pos) == '?' || (pattern.charAt(pos) == '{' && peekRepeat()))) {
            throw error("multiple repeat", pos);
        }
        if (max == -1) {
            checkCopies(a, min, at);
            return min == 0 ? Operations.repeat(a) : Operations.repeat(a, min);
        }
        if (min == 0 && max == 1) {
            return Operations.optional(a);
        }
        if (max > MAX_REPEAT) {
            throw error("repeat count " + max + " is over the largest supported, " + MAX_REPEAT, at);
        }
        checkCopies(a, max, at);
        return Operations.repeat(a, min, max);
    }

    /**
     * A counted repeat copies its automaton once per count: nested ones multiply ({@code ((a{1000}){1000}){1000}} would
     * be a billion states), so the copies' states are bounded here, before they are made.
     */
    private void checkCopies(Automaton a, int copies, int at) {
        String problem = tooManyCopies(a, copies);
        if (problem != null) {
            throw error(problem, at);
        }
    }

    /** Why {@code copies} copies of {@code a} are too many to build (grammars' repeats too), or null. */
    static String tooManyCopies(Automaton a, int copies) {
        return (long) a.getNumStates() * copies <= MAX_REPEATED_STATES ? null : "a repeat of " + copies
                + " copies of a " + a.getNumStates() + "-state pattern is too large (at most " + MAX_REPEATED_STATES
                + " states)";
    }

    private boolean peekRepeat() {
        int save = pos;
        try {
            return repeatBounds() != null;
        } finally {
            pos = save;
        }
    }

    /**
     * At a '{': {@code {n} {n,} {,m} {n,m}} as {min, max (-1 unbounded)}, moving past it; null (position unchanged)
     * when the text there is not a repeat, which Python reads as a literal '{'.
     */
    private int[] repeatBounds() {
        int at = pos;
        int i = at + 1;
        int loStart = i;
        while (i < pattern.length() && isAsciiDigit(pattern.charAt(i))) {
            i++;
        }
        String lo = pattern.substring(loStart, i);
        String hi;
        boolean comma = i < pattern.length() && pattern.charAt(i) == ',';
        if (comma) {
            i++;
            int hiStart = i;
            while (i < pattern.length() && isAsciiDigit(pattern.charAt(i))) {
                i++;
            }
            hi = pattern.substring(hiStart, i);
        } else {
            hi = lo;
        }
        if (i >= pattern.length() || pattern.charAt(i) != '}' || (!comma && lo.isEmpty())) {
            return null;
        }
        int min = lo.isEmpty() ? 0 : bound(lo, at);
        int max = hi.isEmpty() ? -1 : bound(hi, at);
        if (max != -1 && max < min) {
            throw error("min repeat greater than max repeat", at);
        }
        pos = i + 1;
        return new int[] {min, max};
    }

    private int bound(String digits, int at) {
        if (digits.length() > 6 || Integer.parseInt(digits) > MAX_REPEAT) {
            throw error("repeat count " + digits + " is over the largest supported, " + MAX_REPEAT, at);
        }
        return Integer.parseInt(digits);
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** After a backslash outside a class. */
    private Part escapeAtom(int at, boolean atStart) {
        if (pos >= pattern.length()) {
            throw error("bad escape (end of pattern)", at);
        }
        char c = pattern.charAt(pos);
        switch (c) {
            case 'A':
                pos++;
                return startAnchor(at, atStart);
            case 'Z':
                pos++;
                return new Part(null, false, true);
            case 'b', 'B':
                throw error("word boundaries (\\" + c + ") are not supported", at);
            default:
                break;
        }
        if (c >= '1' && c <= '9' && !isOctalEscape()) {
            throw error("backreferences (\\" + c + ") are not supported", at);
        }
        return Part.of(escape(at, false).automaton());
    }

    /** Three octal digits after the backslash, or a 0 first (Python's rule for telling octal from a group number). */
    private boolean isOctalEscape() {
        if (pattern.charAt(pos) == '0') {
            return true;
        }
        return pos + 2 < pattern.length() && isOctal(pattern.charAt(pos)) && isOctal(pattern.charAt(pos + 1))
                && isOctal(pattern.charAt(pos + 2));
    }

    private static boolean isOctal(char c) {
        return c >= '0' && c <= '7';
    }

    /**
     * An escape that stands for characters, just after its backslash: a class ({@code \d} ...) or one character.
     * {@code inClass}: inside [...], where {@code \b} is a backspace.
     */
    private CodePointSet escape(int at, boolean inClass) {
        int c = pattern.codePointAt(pos);
        pos += Character.charCount(c);
        return switch (c) {
            case 'd' -> DIGITS;
            case 'D' -> DIGITS.complement();
            case 'w' -> WORDS;
            case 'W' -> WORDS.complement();
            case 's' -> search ? ECMA_SPACES : SPACES;
            case 'S' -> (search ? ECMA_SPACES : SPACES).complement();
            case 'n' -> CodePointSet.of('\n');
            case 't' -> CodePointSet.of('\t');
            case 'r' -> CodePointSet.of('\r');
            case 'f' -> CodePointSet.of('\f');
            case 'v' -> CodePointSet.of(0x0b);
            case 'a' -> CodePointSet.of(0x07);
            case 'b' -> {
                if (!inClass) {
                    throw error("word boundaries (\\b) are not supported", at);
                }
                yield CodePointSet.of(0x08);
            }
            case 'x' -> CodePointSet.of(hex(2, at));
            case 'u' -> CodePointSet.of(hex(4, at));
            case 'U' -> CodePointSet.of(hex(8, at));
            case 'N' -> CodePointSet.of(named(at));
            default -> {
                if (c >= '0' && c <= '7') {
                    pos--;
                    yield CodePointSet.of(octal(at));
                }
                if (c < 128 && Character.isLetterOrDigit(c)) {
                    throw error("bad escape \\" + Character.toString(c), at);
                }
                yield CodePointSet.of(c); // escaped punctuation (or any other character) is itself
            }
        };
    }

    private int hex(int digits, int at) {
        if (pos + digits > pattern.length()) {
            throw error("incomplete escape \\" + pattern.substring(at + 1), at);
        }
        String h = pattern.substring(pos, pos + digits);
        if (!h.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
            throw error("incomplete escape \\" + pattern.charAt(at + 1) + h, at);
        }
        long value = Long.parseLong(h, 16);
        if (value > CodePointSet.MAX || (value >= Character.MIN_SURROGATE && value <= Character.MAX_SURROGATE)) {
            throw error("bad escape \\" + pattern.charAt(at + 1) + h + " (not a Unicode scalar value)", at);
        }
        pos += digits;
        return (int) value;
    }

    private int octal(int at) {
        int start = pos;
        while (pos < pattern.length() && pos - start < 3 && isOctal(pattern.charAt(pos))) {
            pos++;
        }
        int value = Integer.parseInt(pattern.substring(start, pos), 8);
        if (value > 0377) {
            throw error("octal escape value \\" + pattern.substring(start, pos) + " outside of range 0-0o377", at);
        }
        return value;
    }

    private int named(int at) {
        if (pos >= pattern.length() || pattern.charAt(pos) != '{') {
            throw error("missing {", at);
        }
        int close = pattern.indexOf('}', pos);
        if (close < 0) {
            throw error("missing }, unterminated name", at);
        }
        String name = pattern.substring(pos + 1, close);
        try {
            int cp = Character.codePointOf(name);
            pos = close + 1;
            return cp;
        } catch (IllegalArgumentException e) {
            throw error("undefined character name '" + name + "'", at);
        }
    }

    /** After the '[': the class's members, up to and past its ']'. */
    private CodePointSet characterClass(int at) {
        boolean negated = pos < pattern.length() && pattern.charAt(pos) == '^';
        if (negated) {
            pos++;
        }
        List<CodePointSet> members = new ArrayList<>();
        boolean first = true;
        while (true) {
            if (pos >= pattern.length()) {
                throw error("unterminated character set", at);
            }
            int itemAt = pos;
            char c = pattern.charAt(pos);
            if (c == ']' && !first) {
                pos++;
                break;
            }
            first = false;
            CodePointSet item = classItem();
            if (pos + 1 < pattern.length() && pattern.charAt(pos) == '-' && pattern.charAt(pos + 1) != ']') {
                pos++;
                CodePointSet upper = classItem();
                int lo = single(item, itemAt);
                int hi = single(upper, itemAt);
                if (hi < lo) {
                    throw error("bad character range " + pattern.substring(itemAt, pos), itemAt);
                }
                members.add(CodePointSet.of(lo, hi).minus(CodePointSet.of(Character.MIN_SURROGATE,
                        Character.MAX_SURROGATE)));
            } else {
                members.add(item);
            }
        }
        CodePointSet set = CodePointSet.union(members);
        return negated ? set.complement() : set;
    }

    private CodePointSet classItem() {
        int at = pos;
        int c = pattern.codePointAt(pos);
        pos += Character.charCount(c);
        if (c != '\\') {
            return CodePointSet.of(c);
        }
        if (pos >= pattern.length()) {
            throw error("bad escape (end of pattern)", at);
        }
        char e = pattern.charAt(pos);
        if (e == 'A' || e == 'Z' || e == 'B') {
            throw error("bad escape \\" + e + " in a character class", at);
        }
        if (e >= '1' && e <= '9' && !isOctalEscape()) {
            throw error("bad escape \\" + e + " in a character class", at);
        }
        return escape(at, true);
    }

    /** The one character a range end names ({@code a} of {@code a-z}); classes such as \d cannot end a range. */
    private int single(CodePointSet set, int at) {
        int c = set.single();
        if (c < 0) {
            throw error("bad character range " + pattern.substring(at, pos), at);
        }
        return c;
    }

    private IllegalArgumentException error(String what, int at) {
        return new IllegalArgumentException("regular expression: " + what + " at position " + at + " of "
                + abbreviated());
    }

    private String abbreviated() {
        return pattern.length() <= 80 ? "'" + pattern + "'" : "'" + pattern.substring(0, 77) + "...'";
    }
}
