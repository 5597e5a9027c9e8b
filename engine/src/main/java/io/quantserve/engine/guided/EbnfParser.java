package io.quantserve.engine.guided;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * Reads a grammar in xgrammar's EBNF (vLLM's {@code guided_grammar}; a superset of llama.cpp's GBNF): rules
 * {@code name ::= alternatives}, alternatives separated by {@code |}, sequences of {@code "literals"},
 * {@code [character classes]} (negated with {@code ^}, ranges with {@code -}, {@code [^]} any character), {@code .}
 * (any character), rule names, {@code ( groups )} and the macro {@code Regex("pattern")} (Python's {@code re} syntax,
 * {@code .} matching newlines too), each optionally followed by {@code * + ?} or {@code {m}}, {@code {m,}},
 * {@code {m,n}}, {@code {,n}}; escapes {@code \n \r \t \b \f \a \v \0 \e}, a backslash before punctuation for the
 * character itself, {@code \x} with 1-8 hex digits, {@code \\u} with 4 and {@code \U} with 8; {@code #} comments to
 * the end of the line. Whitespace (newlines too) only separates: a rule ends where the next {@code name ::=} begins.
 * The grammar starts at {@code root}. Refused by name: rule options ({@code name[...] ::=}), lookahead assertions,
 * the other macros, token references.
 */
final class EbnfParser {
    /** Repeat counts above this are refused (as a regular expression's are). */
    static final int MAX_REPEAT = 1000;
    private static final Set<String> MACROS = Set.of("TagDispatch", "Token", "ExcludeToken", "TokenTagDispatch",
            "Substring");
    private static final CodePointSet SURROGATES = CodePointSet.of(Character.MIN_SURROGATE, Character.MAX_SURROGATE);

    /** A part of a rule's right-hand side, {@code at} its place in the text (for messages). */
    sealed interface Expr {
    }

    /** Text of one fixed shape: a literal, a character class, the any-character dot. */
    record Chars(Automaton automaton) implements Expr {
    }

    record Ref(String name, String at) implements Expr {
    }

    record Seq(List<Expr> items) implements Expr {
    }

    record Alt(List<Expr> alternatives) implements Expr {
    }

    /** {@code max} -1: no upper bound. */
    record Repeat(Expr item, int min, int max, String at) implements Expr {
    }

    private final String text;
    private int pos;

    private EbnfParser(String text) {
        this.text = text;
    }

    /**
     * The rules of {@code text} in the order written.
     *
     * @throws IllegalArgumentException naming the line, column and problem when the text is not such a grammar
     */
    static Map<String, Expr> parse(String text) {
        return new EbnfParser(text).rules();
    }

    private Map<String, Expr> rules() {
        Map<String, Expr> rules = new LinkedHashMap<>();
        skipSpace();
        if (pos == text.length()) {
            throw error("the grammar is empty: it needs a rule 'root ::= ...'");
        }
        while (pos < text.length()) {
            String at = at();
            String name = name();
            if (name.isEmpty()) {
                throw error("expected a rule name");
            }
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == '[') {
                throw error("rule options such as '" + name + "[max_tokens=...]' are not supported");
            }
            if (!text.startsWith("::=", pos)) {
                throw error("expected '::=' after the rule name '" + name + "'");
            }
            pos += 3;
            if (rules.containsKey(name)) {
                throw new IllegalArgumentException("grammar: " + at + ": rule '" + name + "' is defined twice");
            }
            rules.put(name, alternatives());
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == ')') {
                throw error("')' without its '('");
            }
        }
        return rules;
    }

    private Expr alternatives() {
        List<Expr> alternatives = new ArrayList<>();
        alternatives.add(sequence());
        skipSpace();
        while (pos < text.length() && text.charAt(pos) == '|') {
            pos++;
            alternatives.add(sequence());
            skipSpace();
        }
        return alternatives.size() == 1 ? alternatives.get(0) : new Alt(alternatives);
    }

    private Expr sequence() {
        List<Expr> items = new ArrayList<>();
        while (true) {
            skipSpace();
            if (pos == text.length() || "|)".indexOf(text.charAt(pos)) >= 0 || atRuleStart()) {
                return items.size() == 1 ? items.get(0) : new Seq(items);
            }
            items.add(postfixed(primary()));
        }
    }

    private Expr postfixed(Expr item) {
        while (true) {
            int before = pos;
            skipSpace(); // "a" * repeats "a", as xgrammar and GBNF read it
            if (pos == text.length() || "*+?{".indexOf(text.charAt(pos)) < 0) {
                pos = before;
                return item;
            }
            String at = at();
            switch (text.charAt(pos)) {
                case '*' -> item = new Repeat(item, 0, -1, at);
                case '+' -> item = new Repeat(item, 1, -1, at);
                case '?' -> item = new Repeat(item, 0, 1, at);
                case '{' -> {
                    item = bounds(item, at);
                    continue;
                }
                default -> {
                    return item;
                }
            }
            pos++;
        }
    }

    private Expr bounds(Expr item, String at) {
        pos++; // {
        skipSpace();
        int min = number(0);
        skipSpace();
        int max = min;
        if (pos < text.length() && text.charAt(pos) == ',') {
            pos++;
            skipSpace();
            max = number(-1);
            skipSpace();
        }
        if (pos == text.length() || text.charAt(pos) != '}') {
            throw error("expected '}' closing a repeat count");
        }
        pos++;
        if (max >= 0 && max < min) {
            throw new IllegalArgumentException("grammar: " + at + ": repeat count {" + min + "," + max
                    + "} has its maximum below its minimum");
        }
        return new Repeat(item, min, max, at);
    }

    /** A decimal count, or {@code absent} when there are no digits. */
    private int number(int absent) {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        if (start == pos) {
            return absent;
        }
        if (pos - start > 4 || Integer.parseInt(text, start, pos, 10) > MAX_REPEAT) {
            throw new IllegalArgumentException("grammar: " + at(start) + ": repeat count " + text.substring(start, pos)
                    + " is over " + MAX_REPEAT);
        }
        return Integer.parseInt(text, start, pos, 10);
    }

    private Expr primary() {
        String at = at();
        char c = text.charAt(pos);
        switch (c) {
            case '"' -> {
                pos++;
                return literal();
            }
            case '[' -> {
                pos++;
                return characterClass();
            }
            case '.' -> {
                pos++;
                return new Chars(CodePointSet.all().automaton());
            }
            case '(' -> {
                pos++;
                skipSpace();
                if (pos < text.length() && text.charAt(pos) == '=') {
                    throw error("lookahead assertions '(= ...)' are not supported");
                }
                Expr inner = alternatives();
                skipSpace();
                if (pos == text.length() || text.charAt(pos) != ')') {
                    throw new IllegalArgumentException("grammar: " + at + ": '(' is never closed");
                }
                pos++;
                return inner;
            }
            case '<' -> throw error("token references '<...>' are not supported");
            default -> {
                String name = name();
                if (name.isEmpty()) {
                    throw error("unexpected '" + new String(Character.toChars(text.codePointAt(pos))) + "'");
                }
                if (name.equals("Regex")) {
                    return regexMacro(at);
                }
                if (MACROS.contains(name)) {
                    throw new IllegalArgumentException("grammar: " + at + ": the macro " + name
                            + " is not supported (Regex is)");
                }
                return new Ref(name, at);
            }
        }
    }

    /** {@code Regex("pattern")}: the text the pattern matches whole. */
    private Expr regexMacro(String at) {
        skipSpace();
        if (pos == text.length() || text.charAt(pos) != '(') {
            throw error("expected '(' after Regex");
        }
        pos++;
        skipSpace();
        if (pos == text.length() || text.charAt(pos) != '"') {
            throw error("Regex takes one string literal, its pattern");
        }
        int patternAt = pos;
        pos++;
        // the pattern as written: its escapes are the regular expression's (\. a dot, \d a digit), but for \" and \\
        StringBuilder pattern = new StringBuilder();
        while (pos < text.length() && text.charAt(pos) != '"' && text.charAt(pos) != '\n') {
            char c = text.charAt(pos++);
            if (c == '\\' && pos < text.length()) {
                char e = text.charAt(pos++);
                if (e != '"' && e != '\\') {
                    pattern.append(c);
                }
                pattern.append(e);
            } else {
                pattern.append(c);
            }
        }
        if (pos == text.length() || text.charAt(pos) != '"') {
            throw new IllegalArgumentException("grammar: " + at(patternAt) + ": the literal is never closed with '\"'");
        }
        pos++;
        skipSpace();
        if (pos < text.length() && text.charAt(pos) == ',') {
            throw error("Regex's named arguments (json_string, flags) are not supported");
        }
        if (pos == text.length() || text.charAt(pos) != ')') {
            throw error("expected ')' closing Regex(");
        }
        pos++;
        try {
            return new Chars(PythonRegex.parseDotAll(pattern.toString()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("grammar: " + at + ": Regex(...): " + e.getMessage());
        }
    }

    private Expr literal() {
        String at = at(pos - 1);
        List<Automaton> chars = new ArrayList<>();
        while (true) {
            if (pos == text.length()) {
                throw new IllegalArgumentException("grammar: " + at + ": the literal is never closed with '\"'");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return new Chars(chars.isEmpty() ? Automata.makeEmptyString() : concatenate(chars));
            }
            if (c == '\n') {
                throw error("a literal ends at the end of its line: write a newline as \\n");
            }
            chars.add(Automata.makeChar(character()));
        }
    }

    private static Automaton concatenate(List<Automaton> chars) {
        return chars.size() == 1 ? chars.get(0) : Operations.concatenate(chars);
    }

    private Expr characterClass() {
        String at = at(pos - 1);
        boolean negated = pos < text.length() && text.charAt(pos) == '^';
        if (negated) {
            pos++;
        }
        List<CodePointSet> members = new ArrayList<>();
        while (true) {
            if (pos == text.length()) {
                throw new IllegalArgumentException("grammar: " + at + ": the character class is never closed with ']'");
            }
            if (text.charAt(pos) == ']') {
                pos++;
                break;
            }
            if (text.charAt(pos) == '\n') {
                throw error("a character class ends at the end of its line: write a newline as \\n");
            }
            if (text.charAt(pos) == '\\' && pos + 1 < text.length() && "dwsDWS".indexOf(text.charAt(pos + 1)) >= 0) {
                members.add(shorthand(text.charAt(pos + 1)));
                pos += 2;
                continue;
            }
            int lo = character();
            int hi = lo;
            if (pos + 1 < text.length() && text.charAt(pos) == '-' && text.charAt(pos + 1) != ']') {
                pos++;
                String rangeAt = at();
                hi = character();
                if (hi < lo) {
                    throw new IllegalArgumentException("grammar: " + rangeAt + ": the range ends before it starts");
                }
            }
            members.add(CodePointSet.of(lo, hi));
        }
        if (members.isEmpty() && !negated) {
            throw new IllegalArgumentException("grammar: " + at + ": the character class is empty");
        }
        CodePointSet set = CodePointSet.union(members);
        Automaton chars = (negated ? set.complement() : set.minus(SURROGATES)).automaton();
        if (Operations.isEmpty(chars)) {
            throw new IllegalArgumentException("grammar: " + at + ": the character class has no character");
        }
        return new Chars(chars);
    }

    /** A class's \\d \\w \\s (ASCII, as xgrammar reads them) or their complements \\D \\W \\S. */
    private static CodePointSet shorthand(char c) {
        CodePointSet set = switch (Character.toLowerCase(c)) {
            case 'd' -> CodePointSet.of('0', '9');
            case 'w' -> CodePointSet.union(List.of(CodePointSet.of('a', 'z'), CodePointSet.of('A', 'Z'),
                    CodePointSet.of('0', '9'), CodePointSet.of('_')));
            default -> CodePointSet.union(List.of(CodePointSet.of(' '), CodePointSet.of('\t', '\r')));
        };
        return Character.isUpperCase(c) ? set.complement() : set;
    }

    /** One character of a literal or class, an escape read whole. */
    private int character() {
        int c = text.codePointAt(pos);
        if (c != '\\') {
            pos += Character.charCount(c);
            return c;
        }
        String at = at();
        if (pos + 1 == text.length()) {
            throw error("the text ends inside an escape");
        }
        char e = text.charAt(pos + 1);
        pos += 2;
        return switch (e) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'a' -> 0x07;
            case 'v' -> 0x0b;
            case '0' -> 0;
            case 'e' -> 0x1b;
            case '\\', '"', '\'', '?', '[', ']', '-', '^', '/', '$', '.', '*', '+', '(', ')', '{', '}', '|' -> e;
            case 'x' -> hex(1, 8, at);
            case 'u' -> hex(4, 4, at);
            case 'U' -> hex(8, 8, at);
            default -> throw new IllegalArgumentException("grammar: " + at + ": unknown escape '\\" + e + "'");
        };
    }

    /** The code point of {@code min} to {@code max} hex digits (as many as there are, up to max). */
    private int hex(int min, int max, String at) {
        int value = 0;
        int digits = 0;
        while (digits < max && pos < text.length() && Character.digit(text.charAt(pos), 16) >= 0) {
            value = value * 16 + Character.digit(text.charAt(pos++), 16);
            digits++;
        }
        if (digits < min) {
            throw new IllegalArgumentException("grammar: " + at + ": the escape needs "
                    + (min == max ? "" : "at least ") + min + " hex digit" + (min == 1 ? "" : "s"));
        }
        if (value > CodePointSet.MAX || (value >= Character.MIN_SURROGATE && value <= Character.MAX_SURROGATE)) {
            throw new IllegalArgumentException("grammar: " + at + ": the escape is not a Unicode scalar value");
        }
        return value;
    }

    private String name() {
        int start = pos;
        while (pos < text.length() && isNameChar(text.charAt(pos))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
                || c == '.';
    }

    /** Whether a new rule ({@code name ::=}, or {@code name[options] ::=}) begins here. */
    private boolean atRuleStart() {
        int save = pos;
        try {
            if (name().isEmpty()) {
                return false;
            }
            skipSpace();
            if (pos < text.length() && text.charAt(pos) == '[') { // rule options, refused once read as a rule
                int close = text.indexOf(']', pos);
                if (close < 0 || text.substring(pos, close).contains("\n")) {
                    return false;
                }
                pos = close + 1;
                skipSpace();
            }
            return text.startsWith("::=", pos);
        } finally {
            pos = save;
        }
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }

    private IllegalArgumentException error(String problem) {
        return new IllegalArgumentException("grammar: " + at() + ": " + problem);
    }

    private String at() {
        return at(pos);
    }

    /** "line L, column C" of offset {@code offset} (both from 1). */
    private String at(int offset) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return "line " + line + ", column " + (offset - lineStart + 1);
    }
}
