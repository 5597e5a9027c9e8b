package io.quantserve.engine.guided;

import io.quantserve.engine.guided.EbnfParser.Alt;
import io.quantserve.engine.guided.EbnfParser.Chars;
import io.quantserve.engine.guided.EbnfParser.Expr;
import io.quantserve.engine.guided.EbnfParser.Ref;
import io.quantserve.engine.guided.EbnfParser.Repeat;
import io.quantserve.engine.guided.EbnfParser.Seq;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * {@code x*} where x can match the empty text would become a left-recursive loop ({@code R ::= x R | ""} with x
 * empty) in an {@link EbnfGrammar}, and {@code x{m,n}} would read each text in many ways (any copy may be empty): both
 * are {@code (x without the empty text){0,n}}, the same language. For a rule r inside x that takes a rule
 * "r (not empty)", made from r's body the same way (and so on for the rules that one refers to). Grammars rewritten
 * here before they are compiled.
 */
final class NullableLoops {
    private static final Automaton ANY = CodePointSet.all().automaton();
    private static final String NOT_EMPTY = " (not empty)";

    private final Map<String, Expr> source;
    private final Set<String> emptyOnly = new HashSet<>(); // "r (not empty)" rules that would match nothing

    private NullableLoops(Map<String, Expr> rules) {
        this.source = new LinkedHashMap<>(rules);
    }

    /** The rules with every repetition of a part that can match the empty text rewritten. */
    static Map<String, Expr> rewrite(Map<String, Expr> rules) {
        NullableLoops loops = new NullableLoops(rules);
        loops.rewrite();
        return loops.source;
    }

    private void rewrite() {
        Set<String> nullable = new HashSet<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map.Entry<String, Expr> rule : source.entrySet()) {
                if (!nullable.contains(rule.getKey()) && nullable(rule.getValue(), nullable)) {
                    changed = nullable.add(rule.getKey());
                }
            }
        }
        List<String> pending = new ArrayList<>(source.keySet());
        while (!pending.isEmpty()) {
            String name = pending.removeLast();
            source.put(name, withoutNullableLoops(source.get(name), nullable, pending));
        }
        pruneEmptyRules();
    }

    /**
     * A "r (not empty)" rule can come out matching nothing at all (r ::= r{0,2} matches only the empty text): such
     * rules go, and with them the parts that need one.
     */
    private void pruneEmptyRules() {
        Set<String> finishing = new HashSet<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map.Entry<String, Expr> rule : source.entrySet()) {
                if (!finishing.contains(rule.getKey()) && finishes(rule.getValue(), finishing)) {
                    changed = finishing.add(rule.getKey());
                }
            }
        }
        Set<String> dead = new HashSet<>();
        for (String name : source.keySet()) {
            if (name.endsWith(NOT_EMPTY) && !finishing.contains(name)) {
                dead.add(name);
            }
        }
        if (dead.isEmpty()) {
            return;
        }
        source.keySet().removeAll(dead);
        source.replaceAll((name, body) -> {
            Expr pruned = pruned(body, dead);
            return pruned == null ? new Alt(List.of()) : pruned; // a rule of the user's that cannot finish: refused
        });
    }

    private static boolean finishes(Expr e, Set<String> finishing) {
        return switch (e) {
            case Chars chars -> !Operations.isEmpty(chars.automaton());
            case Ref ref -> finishing.contains(ref.name());
            case Seq seq -> seq.items().stream().allMatch(i -> finishes(i, finishing));
            case Alt alt -> alt.alternatives().stream().anyMatch(a -> finishes(a, finishing));
            case Repeat r -> r.min() == 0 || finishes(r.item(), finishing);
        };
    }

    /** {@code e} without the parts that need a dead rule; null when it needs one whatever it reads. */
    private static Expr pruned(Expr e, Set<String> dead) {
        return switch (e) {
            case Chars chars -> chars;
            case Ref ref -> dead.contains(ref.name()) ? null : ref;
            case Seq seq -> {
                List<Expr> items = new ArrayList<>();
                for (Expr item : seq.items()) {
                    Expr p = pruned(item, dead);
                    if (p == null) {
                        yield null;
                    }
                    items.add(p);
                }
                yield new Seq(items);
            }
            case Alt alt -> {
                List<Expr> alternatives = alt.alternatives().stream().map(a -> pruned(a, dead))
                        .filter(a -> a != null).toList();
                yield alternatives.isEmpty() ? null : new Alt(alternatives);
            }
            case Repeat r -> {
                Expr item = pruned(r.item(), dead);
                yield item != null ? new Repeat(item, r.min(), r.max(), r.at())
                        : r.min() == 0 ? new Seq(List.of()) : null;
            }
        };
    }

    private Expr withoutNullableLoops(Expr e, Set<String> nullable, List<String> pending) {
        return switch (e) {
            case Chars chars -> chars;
            case Ref ref -> ref;
            case Seq seq -> new Seq(seq.items().stream().map(i -> withoutNullableLoops(i, nullable, pending))
                    .toList());
            case Alt alt -> new Alt(alt.alternatives().stream()
                    .map(a -> withoutNullableLoops(a, nullable, pending)).toList());
            case Repeat r -> { // x{m,n} with x able to be empty: (x without the empty text){0,n}
                Expr item = withoutNullableLoops(r.item(), nullable, pending);
                if (r.max() == 0 || !nullable(item, nullable)) {
                    yield new Repeat(item, r.min(), r.max(), r.at());
                }
                Expr nonEmpty = nonEmpty(item, nullable, pending);
                yield nonEmpty == null ? new Seq(List.of()) : new Repeat(nonEmpty, 0, r.max(), r.at());
            }
        };
    }

    /** The non-empty texts of e, or null when the empty text is all it matches. */
    private Expr nonEmpty(Expr e, Set<String> nullable, List<String> pending) {
        if (!nullable(e, nullable)) {
            return e;
        }
        return switch (e) {
            case Chars chars -> {
                Automaton a = Operations.intersection(chars.automaton(), Operations.concatenate(ANY,
                        Operations.repeat(ANY)));
                yield Operations.isEmpty(a) ? null : new Chars(a);
            }
            case Ref ref -> {
                String name = ref.name() + NOT_EMPTY;
                if (!source.containsKey(name) && !emptyOnly.contains(name)) {
                    source.put(name, new Seq(List.of())); // while its body is made: refs to it resolve
                    Expr body = nonEmpty(source.get(ref.name()), nullable, pending);
                    if (body == null) {
                        source.remove(name);
                        emptyOnly.add(name);
                    } else {
                        source.put(name, body);
                        pending.add(name);
                    }
                }
                yield source.containsKey(name) ? new Ref(name, ref.at()) : null;
            }
            case Seq seq -> { // every item can be empty: the first non-empty one, then any of the rest
                List<Expr> alternatives = new ArrayList<>();
                for (int i = 0; i < seq.items().size(); i++) {
                    Expr first = nonEmpty(seq.items().get(i), nullable, pending);
                    if (first != null) {
                        List<Expr> items = new ArrayList<>(List.of(first));
                        items.addAll(seq.items().subList(i + 1, seq.items().size()));
                        alternatives.add(new Seq(items));
                    }
                }
                yield alternatives.isEmpty() ? null : new Alt(alternatives);
            }
            case Alt alt -> {
                List<Expr> alternatives = alt.alternatives().stream().map(a -> nonEmpty(a, nullable, pending))
                        .filter(a -> a != null).toList();
                yield alternatives.isEmpty() ? null : new Alt(alternatives);
            }
            case Repeat r -> { // x{m,n} without the empty text is (x without it){1,n}
                Expr item = nonEmpty(r.item(), nullable, pending);
                yield item == null || r.max() == 0 ? null : new Repeat(item, 1, r.max(), r.at());
            }
        };
    }

    private static boolean nullable(Expr e, Set<String> nullable) {
        return switch (e) {
            case Chars chars -> chars.automaton().getNumStates() > 0 && chars.automaton().isAccept(0);
            case Ref ref -> nullable.contains(ref.name());
            case Seq seq -> seq.items().stream().allMatch(i -> nullable(i, nullable));
            case Alt alt -> alt.alternatives().stream().anyMatch(a -> nullable(a, nullable));
            case Repeat r -> r.min() == 0 || nullable(r.item(), nullable);
        };
    }
}
