package io.quantserve.engine.guided;

import io.quantserve.engine.guided.EbnfParser.Alt;
import io.quantserve.engine.guided.EbnfParser.Chars;
import io.quantserve.engine.guided.EbnfParser.Expr;
import io.quantserve.engine.guided.EbnfParser.Ref;
import io.quantserve.engine.guided.EbnfParser.Repeat;
import io.quantserve.engine.guided.EbnfParser.Seq;
import io.quantserve.engine.guided.EbnfRule.Alternative;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * A context-free language written in EBNF (vLLM's {@code guided_grammar}; the syntax is {@link EbnfParser}'s), read
 * byte by byte by the same pushdown {@link Recognizer} as JSON grammars: a rule's alternatives are tried together, a
 * stretch without rule references (literals, classes and their repeats, rules made only of such) is one byte
 * automaton, a repetition of rules is a right-recursive rule, direct left recursion
 * ({@code expr ::= expr "+" term | term}) is rewritten as such a repetition, and repetitions of parts that may be
 * empty as repetitions of their non-empty texts ({@link NullableLoops}). Left recursion through other rules (or behind
 * a part that may be empty) is refused, as is a rule that can never finish, so every state the recognizer reaches can
 * still end the text; a text read more than {@link #MAX_PARSES} ways fails its sequence.
 */
public final class EbnfGrammar {
    /** More readings of the text so far than this: the grammar is too ambiguous to follow (the sequence fails). */
    static final int MAX_PARSES = 256;

    private final Recognizer start;

    private EbnfGrammar(Recognizer start) {
        this.start = start;
    }

    /**
     * The grammar of {@code text}, starting at its rule {@code root}.
     *
     * @throws IllegalArgumentException naming the place and the problem: a syntax error, no root, a rule used but
     *                                  not defined or defined twice, left recursion, a rule that can never finish, a
     *                                  part that matches no text or is too complex
     */
    public static EbnfGrammar parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the grammar is empty: it needs a rule 'root ::= ...'");
        }
        return new EbnfGrammar(new Compiler(EbnfParser.parse(text)).compile());
    }

    /** The state before the first byte. */
    public Recognizer start() {
        return start;
    }

    /** Elements (automata, rule references) one grammar may expand to: counted repeats of rules copy their items. */
    static final int MAX_ELEMENTS = 200_000;

    private static final class Compiler {
        private final Map<String, Expr> source;
        private final Map<String, EbnfRule> named = new LinkedHashMap<>();
        private final List<EbnfRule> all = new ArrayList<>();
        private final Map<String, Automaton> regular = new HashMap<>(); // a rule's language, null if recursive
        private final Set<String> visiting = new HashSet<>();
        private int appended; // elements appended so far: counted repeats of rules nest multiplicatively

        Compiler(Map<String, Expr> source) {
            this.source = NullableLoops.rewrite(source);
        }

        Recognizer compile() {
            if (!source.containsKey("root")) {
                throw new IllegalArgumentException("grammar: no rule 'root ::= ...' to start from");
            }
            source.keySet().forEach(name -> named.put(name, rule("rule '" + name + "'")));
            source.forEach((name, body) -> named.get(name).define(alternatives(body, "rule '" + name + "'")));
            named.values().forEach(this::removeDirectLeftRecursion);
            Alternative start = new Alternative(new Object[] {named.get("root")});
            settleNullable(start);
            refuseUnfinishable();
            refuseLeftRecursion();
            return Recognizer.start(new RuleFrame(start, 0), MAX_PARSES);
        }

        /**
         * {@code A ::= A x | A y | b | c} becomes {@code A ::= b A' | c A'} and {@code A' ::= x A' | y A' | ""}: the
         * same text, read left to right ({@code A ::= A} alone adds nothing and goes).
         */
        private void removeDirectLeftRecursion(EbnfRule rule) {
            List<Alternative> recursive = new ArrayList<>();
            List<Alternative> base = new ArrayList<>();
            for (Alternative a : rule.alternatives()) {
                Object[] e = a.elements();
                if (e.length > 0 && e[0] == rule) {
                    if (e.length > 1) {
                        recursive.add(a);
                    }
                } else {
                    base.add(a);
                }
            }
            if (recursive.isEmpty() && base.size() == rule.alternatives().length) {
                return;
            }
            EbnfRule rest = rule("what follows " + rule.what() + " in its left recursion");
            List<Alternative> restAlternatives = new ArrayList<>();
            for (Alternative a : recursive) {
                restAlternatives.add(append(List.of(a.elements()).subList(1, a.elements().length), rest));
            }
            restAlternatives.add(new Alternative(new Object[0]));
            rest.define(restAlternatives.toArray(Alternative[]::new));
            rule.define(base.stream().map(a -> append(List.of(a.elements()), rest)).toArray(Alternative[]::new));
        }

        private static Alternative append(List<Object> elements, EbnfRule last) {
            List<Object> out = new ArrayList<>(elements);
            out.add(last);
            return new Alternative(out.toArray());
        }

        private EbnfRule rule(String what) {
            EbnfRule rule = new EbnfRule(what);
            all.add(rule);
            return rule;
        }

        private Alternative[] alternatives(Expr body, String owner) {
            List<Expr> choices = body instanceof Alt alt && automaton(body) == null ? alt.alternatives()
                    : List.of(body);
            Alternative[] out = new Alternative[choices.size()];
            for (int i = 0; i < out.length; i++) {
                List<Object> elements = new ArrayList<>();
                append(choices.get(i), elements, owner);
                out[i] = alternative(elements, owner);
            }
            return out;
        }

        /** Appends the elements of {@code e}: an automaton where it has no recursion, else rules and terminals. */
        private void append(Expr e, List<Object> out, String owner) {
            if (++appended > MAX_ELEMENTS) {
                throw new IllegalArgumentException("grammar: " + owner + " expands to more than " + MAX_ELEMENTS
                        + " elements (nested counted repetitions multiply)");
            }
            Automaton a = automaton(e);
            if (a != null) {
                out.add(a);
                return;
            }
            switch (e) {
                case Seq seq -> seq.items().forEach(item -> append(item, out, owner));
                case Ref ref -> out.add(named.get(ref.name()));
                case Alt alt -> {
                    EbnfRule group = rule("a group of " + owner);
                    group.define(alternatives(alt, owner));
                    out.add(group);
                }
                case Repeat r -> {
                    for (int i = 0; i < r.min(); i++) {
                        append(r.item(), out, owner);
                    }
                    if (r.max() < 0) {
                        EbnfRule loop = rule("the repetition at " + r.at() + " (" + owner + ")");
                        List<Object> body = new ArrayList<>();
                        append(r.item(), body, owner);
                        body.add(loop);
                        loop.define(new Alternative[] {alternative(body, owner), new Alternative(new Object[0])});
                        out.add(loop);
                    } else if (r.max() > r.min()) {
                        EbnfRule optional = null; // at most k more items: item (at most k - 1 more) | nothing
                        for (int k = 1; k <= r.max() - r.min(); k++) {
                            EbnfRule more = rule("the repetition at " + r.at() + " (" + owner + ")");
                            List<Object> body = new ArrayList<>();
                            append(r.item(), body, owner);
                            if (optional != null) {
                                body.add(optional);
                            }
                            more.define(new Alternative[] {alternative(body, owner), new Alternative(new Object[0])});
                            optional = more;
                        }
                        out.add(optional);
                    }
                }
                case Chars chars -> throw new AssertionError("characters are regular");
            }
        }

        /** Adjacent automata joined, each made a terminal; terminals of the empty text alone left out. */
        private Alternative alternative(List<Object> elements, String owner) {
            List<Object> out = new ArrayList<>();
            List<Automaton> run = new ArrayList<>();
            for (int i = 0; i <= elements.size(); i++) {
                Object e = i < elements.size() ? elements.get(i) : null;
                if (e instanceof Automaton a) {
                    run.add(a);
                    continue;
                }
                if (!run.isEmpty()) {
                    Terminal t = Terminal.of(run.size() == 1 ? run.get(0) : Operations.concatenate(run),
                            "a part of " + owner);
                    if (!t.onlyEmpty()) {
                        out.add(t);
                    }
                    run.clear();
                }
                if (e != null) {
                    out.add(e);
                }
            }
            return new Alternative(out.toArray());
        }

        /** The language of {@code e} as an automaton over code points, or null when it refers to a recursive rule. */
        private Automaton automaton(Expr e) {
            return switch (e) {
                case Chars chars -> chars.automaton();
                case Ref ref -> ruleAutomaton(ref);
                case Seq seq -> {
                    List<Automaton> parts = automata(seq.items());
                    yield parts == null ? null : parts.isEmpty() ? Automata.makeEmptyString()
                            : Operations.concatenate(parts);
                }
                case Alt alt -> {
                    List<Automaton> parts = automata(alt.alternatives());
                    yield parts == null ? null : Operations.union(parts);
                }
                case Repeat r -> {
                    Automaton a = automaton(r.item());
                    String problem = a == null ? null : PythonRegex.tooManyCopies(a, Math.max(r.min(), r.max()));
                    if (problem != null) {
                        throw new IllegalArgumentException("grammar: the repetition at " + r.at() + ": " + problem);
                    }
                    yield a == null ? null : r.max() < 0 ? Operations.repeat(a, r.min())
                            : Operations.repeat(a, r.min(), r.max());
                }
            };
        }

        /** The automata of {@code items}, or null when one refers to a recursive rule. */
        private List<Automaton> automata(List<Expr> items) {
            List<Automaton> parts = new ArrayList<>();
            for (Expr item : items) {
                Automaton a = automaton(item);
                if (a == null) {
                    return null;
                }
                parts.add(a);
            }
            return parts;
        }

        /** A rule's language when it refers (through others too) to no rule it is part of; null when it does. */
        private Automaton ruleAutomaton(Ref ref) {
            Expr body = source.get(ref.name());
            if (body == null) {
                throw new IllegalArgumentException("grammar: " + ref.at() + ": rule '" + ref.name()
                        + "' is used but never defined");
            }
            if (regular.containsKey(ref.name())) {
                return regular.get(ref.name());
            }
            if (!visiting.add(ref.name())) {
                return null; // recursive
            }
            try {
                Automaton a = automaton(body); // null: it reaches a rule on the way here, so is part of a cycle
                regular.put(ref.name(), a);
                return a;
            } finally {
                visiting.remove(ref.name());
            }
        }

        private void settleNullable(Alternative start) {
            boolean changed = true;
            while (changed) {
                changed = false;
                for (EbnfRule rule : all) {
                    if (!rule.nullable() && any(rule, Alternative::nullable)) {
                        rule.nullable(true);
                        changed = true;
                    }
                }
            }
            for (EbnfRule rule : all) {
                for (Alternative a : rule.alternatives()) {
                    a.settle();
                }
            }
            start.settle();
        }

        /** A rule none of whose alternatives can end without needing itself again would leave the text unfinished. */
        private void refuseUnfinishable() {
            Set<EbnfRule> finishable = new HashSet<>();
            boolean changed = true;
            while (changed) {
                changed = false;
                for (EbnfRule rule : all) {
                    if (!finishable.contains(rule)
                            && any(rule, e -> e instanceof Terminal || finishable.contains((EbnfRule) e))) {
                        finishable.add(rule);
                        changed = true;
                    }
                }
            }
            for (EbnfRule rule : all) {
                if (!finishable.contains(rule)) {
                    throw new IllegalArgumentException("grammar: " + rule.what() + " can never finish: each of its "
                            + "alternatives needs a rule that never finishes (itself, or one that refers back to it)");
                }
            }
        }

        /** Whether some alternative of the rule has only elements for which {@code test} holds. */
        private static boolean any(EbnfRule rule, Predicate<Object> test) {
            for (Alternative a : rule.alternatives()) {
                boolean all = true;
                for (Object e : a.elements()) {
                    all &= test.test(e);
                }
                if (all) {
                    return true;
                }
            }
            return false;
        }

        /** A rule that can come back to itself before reading a byte (expr ::= expr "+" term) would never stop. */
        private void refuseLeftRecursion() {
            Map<EbnfRule, Integer> state = new HashMap<>(); // 1 on the path, 2 done
            for (EbnfRule rule : all) {
                leftCorners(rule, state, new ArrayList<>());
            }
        }

        private void leftCorners(EbnfRule rule, Map<EbnfRule, Integer> state, List<EbnfRule> path) {
            Integer s = state.get(rule);
            if (s != null && s == 2) {
                return;
            }
            path.add(rule);
            if (s != null) {
                List<String> cycle = path.subList(path.indexOf(rule), path.size()).stream().map(EbnfRule::what)
                        .toList();
                throw new IllegalArgumentException("grammar: " + rule.what() + " is left-recursive (" + String.join(
                        " -> ", cycle) + "): it can come back to itself before reading anything, through other rules"
                        + " or parts that may be empty; only a rule whose alternative starts with the rule itself"
                        + " (expr ::= expr \"+\" term | term) is supported, or write it with a repetition:"
                        + " expr ::= term (\"+\" term)*");
            }
            state.put(rule, 1);
            for (Alternative a : rule.alternatives()) {
                for (Object e : a.elements()) {
                    if (e instanceof EbnfRule next) {
                        leftCorners(next, state, path);
                    }
                    if (!Alternative.nullable(e)) {
                        break;
                    }
                }
            }
            state.put(rule, 2);
            path.remove(path.size() - 1);
        }
    }
}
