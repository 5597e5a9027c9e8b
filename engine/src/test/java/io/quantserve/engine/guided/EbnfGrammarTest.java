package io.quantserve.engine.guided;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * EBNF grammars read by the recognizer, checked against a recognizer written here from the grammar's definition (the
 * positions each rule can end at from each start, as a least fixed point): random grammars printed as text, left
 * recursion among them, every string over a small alphabet, and every state reached shown to have a way to a complete
 * text.
 */
class EbnfGrammarTest {
    private static final String ALPHABET = "abc";

    /** A grammar as this test writes it, printed into EBNF text and matched by {@link #ends}. */
    sealed interface G {
    }

    record Lit(String text) implements G {
    }

    record Cls(String chars, boolean negated) implements G {
    }

    record Dot() implements G {
    }

    record Ref(String name) implements G {
    }

    record Seq(List<G> items) implements G {
    }

    record Alt(List<G> alternatives) implements G {
    }

    record Rep(G item, int min, int max) implements G {
    }

    @Test
    void shouldAcceptExactlyTheStringsOfRandomGrammars() {
        Random random = new Random(7);
        int compiled = 0;
        int refused = 0;
        int leftRecursive = 0;
        int checked = 0;
        List<String> strings = strings(5);
        for (int g = 0; g < 1000; g++) {
            Map<String, G> rules = randomGrammar(random);
            String text = print(rules);
            EbnfGrammar grammar;
            try {
                grammar = EbnfGrammar.parse(text);
            } catch (IllegalArgumentException e) {
                if (e.getMessage().contains("can never finish")) {
                    assertThat(someRuleNeverFinishes(rules)).as("%s%n%s", text, e.getMessage()).isTrue();
                } else {
                    assertThat(e.getMessage()).as(text).contains("left-recursive");
                    assertThat(leftRecursive(rules)).as("%s%n%s", text, e.getMessage()).isTrue();
                }
                refused++;
                continue;
            }
            assertThat(someRuleNeverFinishes(rules)).as(text).isFalse();
            compiled++;
            leftRecursive += text.lines().anyMatch(line -> line.matches("(\\S+) ::= \\(*\\1\\b.*")) ? 1 : 0;
            for (String s : strings) {
                Recognizer state = grammar.start().advance(s);
                boolean ours = state != null && state.isComplete();
                boolean reference = matches(rules, s);
                assertThat(ours).as("grammar:%n%s%nstring '%s'", text, s).isEqualTo(reference);
                if (reference) {
                    for (int i = 0; i < s.length(); i++) {
                        assertThat(grammar.start().advance(s.substring(0, i))).as("%s: prefix of '%s'", text, s)
                                .isNotNull();
                    }
                }
                if (state != null && s.length() <= 3) {
                    String completion = completion(state);
                    assertThat(completion).as("grammar:%n%s%nno way to finish '%s'", text, s).isNotNull();
                    assertThat(matches(rules, s + completion)).as("%s: '%s' finished as '%s'", text, s, s + completion)
                            .isTrue();
                    checked++;
                }
            }
        }
        assertThat(compiled).as("grammars compiled (%d refused)", refused).isGreaterThan(500);
        assertThat(leftRecursive).as("left-recursive grammars compiled").isGreaterThan(20);
        assertThat(checked).isGreaterThan(1000);
    }

    /** Whether some rule can derive no text at all (a least fixed point, as for {@link #derivations}). */
    private static boolean someRuleNeverFinishes(Map<String, G> rules) {
        Set<String> finishing = new HashSet<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String name : rules.keySet()) {
                if (!finishing.contains(name) && finishes(rules.get(name), finishing)) {
                    changed = finishing.add(name);
                }
            }
        }
        return finishing.size() < rules.size();
    }

    private static boolean finishes(G g, Set<String> finishing) {
        return switch (g) {
            case Lit lit -> true;
            case Cls cls -> true;
            case Dot dot -> true;
            case Ref ref -> finishing.contains(ref.name());
            case Seq seq -> seq.items().stream().allMatch(item -> finishes(item, finishing));
            case Alt alt -> alt.alternatives().stream().anyMatch(a -> finishes(a, finishing));
            case Rep rep -> rep.min() == 0 || finishes(rep.item(), finishing);
        };
    }

    /** Whether some rule can come back to itself before reading a character. */
    private static boolean leftRecursive(Map<String, G> rules) {
        Set<String> nullable = new HashSet<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String name : rules.keySet()) {
                if (!nullable.contains(name) && nullable(rules.get(name), nullable)) {
                    changed = nullable.add(name);
                }
            }
        }
        for (String start : rules.keySet()) {
            Set<String> seen = new HashSet<>();
            ArrayDeque<String> queue = new ArrayDeque<>(leftCorners(rules.get(start), nullable));
            while (!queue.isEmpty()) {
                String name = queue.poll();
                if (name.equals(start)) {
                    return true;
                }
                if (seen.add(name)) {
                    queue.addAll(leftCorners(rules.get(name), nullable));
                }
            }
        }
        return false;
    }

    private static boolean nullable(G g, Set<String> nullable) {
        return switch (g) {
            case Lit lit -> lit.text().isEmpty();
            case Cls cls -> false;
            case Dot dot -> false;
            case Ref ref -> nullable.contains(ref.name());
            case Seq seq -> seq.items().stream().allMatch(item -> nullable(item, nullable));
            case Alt alt -> alt.alternatives().stream().anyMatch(a -> nullable(a, nullable));
            case Rep rep -> rep.min() == 0 || nullable(rep.item(), nullable);
        };
    }

    /** The rules g can begin with (after parts that may be empty). */
    private static Set<String> leftCorners(G g, Set<String> nullable) {
        Set<String> out = new HashSet<>();
        switch (g) {
            case Ref ref -> out.add(ref.name());
            case Seq seq -> {
                for (G item : seq.items()) {
                    out.addAll(leftCorners(item, nullable));
                    if (!nullable(item, nullable)) {
                        break;
                    }
                }
            }
            case Alt alt -> alt.alternatives().forEach(a -> out.addAll(leftCorners(a, nullable)));
            case Rep rep -> out.addAll(rep.max() == 0 ? Set.of() : leftCorners(rep.item(), nullable));
            default -> {
            }
        }
        return out;
    }

    /** The shortest text over the alphabet that takes {@code state} to a complete one (breadth first), or null. */
    private static String completion(Recognizer state) {
        Map<Recognizer, String> seen = new HashMap<>();
        ArrayDeque<Recognizer> queue = new ArrayDeque<>();
        seen.put(state, "");
        queue.add(state);
        while (!queue.isEmpty() && seen.size() < 20_000) {
            Recognizer r = queue.poll();
            if (r.isComplete()) {
                return seen.get(r);
            }
            for (char c : ALPHABET.toCharArray()) {
                Recognizer next = r.advance(String.valueOf(c));
                if (next != null && !seen.containsKey(next)) {
                    seen.put(next, seen.get(r) + c);
                    queue.add(next);
                }
            }
        }
        return null;
    }

    private static List<String> strings(int maxLength) {
        List<String> out = new ArrayList<>(List.of(""));
        for (int start = 0, len = 1; len <= maxLength; len++) {
            int end = out.size();
            for (int i = start; i < end; i++) {
                for (char c : ALPHABET.toCharArray()) {
                    out.add(out.get(i) + c);
                }
            }
            start = end;
        }
        return out;
    }

    private static Map<String, G> randomGrammar(Random random) {
        Map<String, G> rules = new LinkedHashMap<>();
        List<String> names = List.of("root", "x", "y-2");
        for (String name : names) {
            rules.put(name, random.nextInt(3) == 0 ? new Alt(List.of(randomExpr(random, names, 2),
                    randomExpr(random, names, 2))) : randomExpr(random, names, 2));
        }
        return rules;
    }

    private static G randomExpr(Random random, List<String> names, int depth) {
        int kind = random.nextInt(depth == 0 ? 4 : 8);
        return switch (kind) {
            case 0 -> new Lit(randomText(random));
            case 1 -> new Cls(randomClass(random), random.nextInt(4) == 0);
            case 2 -> random.nextInt(5) == 0 ? new Dot() : new Lit(randomText(random));
            case 3 -> new Ref(names.get(random.nextInt(names.size())));
            case 4 -> new Seq(List.of(randomExpr(random, names, depth - 1), randomExpr(random, names, depth - 1)));
            case 5 -> new Alt(List.of(randomExpr(random, names, depth - 1), randomExpr(random, names, depth - 1)));
            case 6 -> guardedRef(random, names); // recursion that reads a byte first, as real grammars write it
            default -> {
                int[][] bounds = {{0, -1}, {1, -1}, {0, 1}, {0, 2}, {1, 3}, {2, 2}, {2, -1}};
                int[] b = bounds[random.nextInt(bounds.length)];
                G item = random.nextBoolean() ? guardedRef(random, names) : randomExpr(random, names, depth - 1);
                yield new Rep(item, b[0], b[1]);
            }
        };
    }

    private static G guardedRef(Random random, List<String> names) {
        return new Seq(List.of(new Lit(String.valueOf(ALPHABET.charAt(random.nextInt(ALPHABET.length())))),
                new Ref(names.get(random.nextInt(names.size())))));
    }

    private static String randomText(Random random) {
        int n = random.nextInt(3);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    private static String randomClass(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> "a";
            case 1 -> "ab";
            case 2 -> "a-b";
            default -> "bc";
        };
    }

    private static String print(Map<String, G> rules) {
        StringBuilder sb = new StringBuilder();
        rules.forEach((name, body) -> sb.append(name).append(" ::= ").append(body instanceof Alt alt
                ? alt.alternatives().stream().map(EbnfGrammarTest::print).collect(Collectors.joining(" | "))
                : print(body)).append('\n'));
        return sb.toString();
    }

    private static String print(G g) {
        return switch (g) {
            case Lit lit -> '"' + lit.text() + '"';
            case Cls cls -> "[" + (cls.negated() ? "^" : "") + cls.chars() + "]";
            case Dot dot -> ".";
            case Ref ref -> ref.name();
            case Seq seq -> "(" + seq.items().stream().map(EbnfGrammarTest::print).collect(Collectors.joining(" "))
                    + ")";
            case Alt alt -> "(" + alt.alternatives().stream().map(EbnfGrammarTest::print)
                    .collect(Collectors.joining(" | ")) + ")";
            case Rep rep -> "(" + print(rep.item()) + ")" + switch (rep.min() + "," + rep.max()) {
                case "0,-1" -> "*";
                case "1,-1" -> "+";
                case "0,1" -> "?";
                default -> rep.max() < 0 ? "{" + rep.min() + ",}" : rep.min() == rep.max() ? "{" + rep.min() + "}"
                        : "{" + rep.min() + "," + rep.max() + "}";
            };
        };
    }

    /** Whether {@code s} is a text of the grammar. */
    private static boolean matches(Map<String, G> rules, String s) {
        return derivations(rules, s).get("root@0").contains(s.length());
    }

    /**
     * For every rule and start position of s ("name@i"), the positions where the rule can end: the least fixed point
     * of the rules read as equations over sets, so left recursion needs no special case.
     */
    private static Map<String, Set<Integer>> derivations(Map<String, G> rules, String s) {
        Map<String, Set<Integer>> table = new HashMap<>();
        for (String name : rules.keySet()) {
            for (int i = 0; i <= s.length(); i++) {
                table.put(name + "@" + i, new TreeSet<>());
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String name : rules.keySet()) {
                for (int i = 0; i <= s.length(); i++) {
                    changed |= table.get(name + "@" + i).addAll(ends(rules.get(name), s, i, table));
                }
            }
        }
        return table;
    }

    /** Positions where g can end when it starts at {@code i} of s, rules read from {@code table}. */
    private static Set<Integer> ends(G g, String s, int i, Map<String, Set<Integer>> table) {
        Set<Integer> out = new TreeSet<>();
        switch (g) {
            case Lit lit -> {
                if (s.startsWith(lit.text(), i)) {
                    out.add(i + lit.text().length());
                }
            }
            case Cls cls -> {
                if (i < s.length() && inClass(cls, s.charAt(i)) != cls.negated()) {
                    out.add(i + 1);
                }
            }
            case Dot dot -> {
                if (i < s.length()) {
                    out.add(i + 1);
                }
            }
            case Ref ref -> out.addAll(table.get(ref.name() + "@" + i));
            case Seq seq -> {
                Set<Integer> at = Set.of(i);
                for (G item : seq.items()) {
                    Set<Integer> next = new TreeSet<>();
                    for (int p : at) {
                        next.addAll(ends(item, s, p, table));
                    }
                    at = next;
                }
                out.addAll(at);
            }
            case Alt alt -> alt.alternatives().forEach(a -> out.addAll(ends(a, s, i, table)));
            case Rep rep -> {
                Set<Integer> at = Set.of(i);
                if (rep.min() == 0) {
                    out.add(i);
                }
                int rounds = rep.max() < 0 ? rep.min() + s.length() - i + 1 : rep.max();
                for (int k = 1; k <= rounds; k++) {
                    Set<Integer> next = new TreeSet<>();
                    for (int p : at) {
                        next.addAll(ends(rep.item(), s, p, table));
                    }
                    at = next;
                    if (k >= rep.min()) {
                        out.addAll(at);
                    }
                }
            }
        }
        return out;
    }

    private static boolean inClass(Cls cls, char c) {
        return cls.chars().equals("a-b") ? c == 'a' || c == 'b' : cls.chars().indexOf(c) >= 0;
    }

    @Test
    void shouldReadGrammarsAsLlamaCppAndXgrammarWriteThem() {
        String arithmetic = """
                # integers with + - * / and parentheses
                root   ::= expr
                expr   ::= term (("+" | "-") term)*
                term   ::= factor (("*" | "/") factor)*
                factor ::= [0-9]+ | "(" expr ")" | "-" factor
                """;
        assertLanguage(arithmetic, List.of("1", "12+3", "(1+2)*3", "-(4)/2", "((7))", "1*-2"),
                List.of("", "1+", "(1", "1)", "+1", "1 + 2", "()"));
        String json = """
                root   ::= object
                value  ::= object | array | string | number | ("true" | "false" | "null") ws
                object ::=
                  "{" ws (
                            string ":" ws value
                    ("," ws string ":" ws value)*
                  )? "}" ws
                array  ::=
                  "[" ws (
                            value
                    ("," ws value)*
                  )? "]" ws
                string ::=
                  "\\"" (
                    [^"\\\\\\x7F\\x00-\\x1F] |
                    "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
                  )* "\\"" ws
                number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws
                ws ::= | " " | "\\n" [ \\t]{0,20}
                """;
        assertLanguage(json, List.of("{}", "{\"a\": [1, true, null]}", "{\"k\":\"\\u00e9\\n\"} ",
                "{\"x\": {\"y\": [-0.5e+3, \"é\"]}}"), List.of("[]", "{\"a\"}", "{\"a\": tru}", "{\"\\q\": 1}",
                "{\"a\": 01}"));
        assertLanguage(EbnfConstraintTest.SQL, List.of("SELECT col_1  from table_2  where col_2 = 1 "),
                List.of("SELECT col_3  from table_2  where col_2 = 1 ", "SELECT col_1  from table_2 "));
        assertLanguage("""
                root ::= expr
                expr ::= expr "+" term | expr "-" term | term   # left recursion, as xgrammar allows
                term ::= term "*" num | num
                num ::= [0-9]+ | "(" expr ")"
                """, List.of("1", "1+2*3-4", "(1-2)*3", "12*(3+4)*5"), List.of("", "+1", "1+", "1**2", "(1"));
        assertLanguage("root ::= (item? \",\"?)* \".\"\nitem ::= \"[\" root \"]\" | \"x\"",
                List.of(".", "x,.", "[.]x.", ",,.", "[x,[.].]."), List.of("x", "[x.", "x]."));
        assertLanguage("root ::= root \"a\" | root | \"b\"", List.of("b", "ba", "baaa"), List.of("", "a", "ab"));
        assertLanguage("root ::= \"id-\" Regex(\"\\\\d{2}(\\\\.[a-z]+)?\") [^] ( ) \"\\e\\x1F600\\/\\?\"",
                List.of("id-12\n\u001b😀/?", "id-07.ab😀\u001b😀/?"), List.of("id-1x\u001b😀/?", "id-12\u001b😀/?"));
        // a space before a quantifier, and classes with \d \w \s and their complements (ASCII), as xgrammar reads them
        assertLanguage("root ::= \"a\" * [\\d\\s]+ [\\W] {2} [\\w-]",
                List.of("aa1 2..x", "7\t!?-", "a0 é_"), List.of("aa.!x", "1ab_", "1..é"));
        // a Regex's pattern keeps the regular expression's escapes: \. is a dot, \( a parenthesis
        assertLanguage("root ::= Regex(\"[0-9]+\\.[0-9]+\") \" \" Regex(\"\\(a\\) \\\"q\\\"\")",
                List.of("1.2 (a) \"q\"", "10.25 (a) \"q\""), List.of("1x2 (a) \"q\"", "1\n2 (a) \"q\"",
                        "1.2 a \"q\""));
        assertLanguage("root ::= \"a\"{2,3} [xyz]{,2} (\"-\" [^\\n]){1,} . \"\\u00e9\\U0001F600\"",
                List.of("aa-q!é😀", "aaaxz-b-yxé😀", "aaz-😀😀é😀"), List.of("a-bxé😀", "aaaa-bxé😀", "aa-é😀"));
    }

    private static void assertLanguage(String grammarText, List<String> members, List<String> others) {
        EbnfGrammar grammar = EbnfGrammar.parse(grammarText);
        for (String m : members) {
            Recognizer state = grammar.start().advance(m);
            assertThat(state != null && state.isComplete()).as("'%s' is in%n%s", m, grammarText).isTrue();
        }
        for (String o : others) {
            Recognizer state = grammar.start().advance(o);
            assertThat(state != null && state.isComplete()).as("'%s' is not in%n%s", o, grammarText).isFalse();
        }
    }

    @Test
    void shouldGiveUpOnAGrammarTooAmbiguousToFollow() {
        EbnfGrammar grammar = EbnfGrammar.parse("root ::= s\ns ::= s s | \"a\"");
        Recognizer state = grammar.start();
        int read = 0;
        try {
            for (; read < 5000; read++) {
                state = state.advance("a");
                assertThat(state.isComplete()).isTrue();
            }
        } catch (IllegalStateException e) {
            assertThat(e).hasMessageContaining("too ambiguous");
        }
        assertThat(read).as("bytes read before giving up").isBetween(10, EbnfGrammar.MAX_PARSES + 10);
        Recognizer plain = EbnfGrammar.parse("root ::= \"a\"+").start();
        assertThat(plain.advance("a".repeat(5000)).isComplete()).as("an unambiguous repetition goes on").isTrue();
    }

    @Test
    void shouldNameTheProblemOfAGrammarItCannotUse() {
        assertRefused("", "the grammar is empty");
        assertRefused("start ::= \"a\"", "no rule 'root ::= ...'");
        assertRefused("root ::= \"a\" item", "line 1, column 14: rule 'item' is used but never defined");
        assertRefused("root ::= \"a\"\nroot ::= \"b\"", "line 2, column 1: rule 'root' is defined twice");
        assertRefused("root ::= a\na ::= \"x\"? b\nb ::= a \"y\" | \"z\"",
                "rule 'a' is left-recursive (rule 'a' -> rule 'b' -> rule 'a')");
        assertRefused("root ::= (\"x\"? root)*", "left-recursive");
        assertRefused("root ::= \"(\" root \")\"", "rule 'root' can never finish");
        assertRefused("root ::= \"abc", "line 1, column 10: the literal is never closed");
        assertRefused("root ::= \"a\nb\"", "line 1, column 12: a literal ends at the end of its line");
        assertRefused("root ::= [a-", "the character class is never closed");
        assertRefused("root ::= [z-a]", "line 1, column 13: the range ends before it starts");
        assertRefused("root ::= \"\\q\"", "line 1, column 11: unknown escape '\\q'");
        assertRefused("root ::= \"\\xZ\"", "the escape needs at least 1 hex digit");
        assertRefused("root ::= \"\\u12\"", "the escape needs 4 hex digits");
        assertRefused("root ::= [a\nb]", "line 1, column 12: a character class ends at the end of its line");
        assertRefused("root ::= item\nitem[max_tokens=8] ::= \"a\"", "line 2, column 5: rule options such as"
                + " 'item[max_tokens=...]' are not supported");
        assertRefused("root ::= Substring(\"ab\", \"c\")", "line 1, column 10: the macro Substring is not supported");
        assertRefused("root ::= Regex(\"[0-9]+\", json_string=true)", "named arguments (json_string, flags)");
        assertRefused("root ::= Regex(\"(?<=a)b\")", "line 1, column 10: Regex(...): regular expression: lookbehind assertions are not"
                + " supported");
        assertRefused("root ::= Regex([0-9])", "Regex takes one string literal");
        // nested counted repetitions multiply: refused before they are built
        assertRefused("root ::= ((\"a\"{1000}){1000}){1000}", "copies of a");
        assertRefused("root ::= ((s \"b\"){1000}){1000}\ns ::= \"a\" s | \"c\"", "expands to more than");
        assertRefused("root ::= \"\\uD800\"", "not a Unicode scalar value");
        assertRefused("root ::= (\"a\" | \"b\"", "line 1, column 10: '(' is never closed");
        assertRefused("root ::= \"a\" )", "')' without its '('");
        assertRefused("root ::= \"a\"{3,2}", "has its maximum below its minimum");
        assertRefused("root ::= \"a\"{1001}", "repeat count 1001 is over 1000");
        assertRefused("root ::= \"a\"{2", "expected '}'");
        assertRefused("root = \"a\"", "line 1, column 6: expected '::=' after the rule name 'root'");
        assertRefused("root ::= (= \"a\") \"a\"", "lookahead assertions '(= ...)' are not supported");
        assertRefused("root ::= <[1000]>", "token references '<...>' are not supported");
        assertRefused("root ::= \"a\" @", "line 1, column 14: unexpected '@'");
        assertRefused("root ::= [^\\x00-\\U0010FFFF]", "the character class has no character");
    }

    private static void assertRefused(String grammar, String message) {
        assertThatThrownBy(() -> EbnfGrammar.parse(grammar)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
