package io.quantserve.engine.guided;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.ByteRunAutomaton;
import org.apache.lucene.util.automaton.Operations;
import org.apache.lucene.util.automaton.TooComplexToDeterminizeException;
import org.apache.lucene.util.automaton.Transition;
import org.apache.lucene.util.automaton.UTF32ToUTF8;

/**
 * A regular language over code points as a deterministic automaton every state of which can still reach acceptance:
 * what a JSON schema's string {@code pattern} (or {@code format}) checks character by character, whichever way the
 * characters are written (UTF-8 bytes or \\u escapes). State 0 is the start; -1 is "no way on".
 */
final class CodePointDfa {
    private final Automaton automaton;
    private final Transition[][] transitions; // per state, sorted by min, disjoint
    private final int[] remaining;            // per state: the fewest characters that reach acceptance

    private CodePointDfa(Automaton automaton) {
        this.automaton = automaton;
        this.transitions = automaton.getSortedTransitions();
        this.remaining = fewestToAccept();
    }

    /** Breadth-first from the accepting states over the transitions reversed. */
    private int[] fewestToAccept() {
        int n = transitions.length;
        List<List<Integer>> into = new ArrayList<>(n);
        for (int s = 0; s < n; s++) {
            into.add(new ArrayList<>());
        }
        for (int s = 0; s < n; s++) {
            for (Transition t : transitions[s]) {
                into.get(t.dest).add(s);
            }
        }
        int[] fewest = new int[n];
        Arrays.fill(fewest, Integer.MAX_VALUE);
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int s = 0; s < n; s++) {
            if (automaton.isAccept(s)) {
                fewest[s] = 0;
                queue.add(s);
            }
        }
        while (!queue.isEmpty()) {
            int s = queue.poll();
            for (int from : into.get(s)) {
                if (fewest[from] == Integer.MAX_VALUE) {
                    fewest[from] = fewest[s] + 1;
                    queue.add(from);
                }
            }
        }
        return fewest;
    }

    /** Determinization effort Lucene may spend on one language before it is refused as too complex. */
    static final int DETERMINIZE_WORK_LIMIT = 100_000;

    /**
     * @throws IllegalArgumentException when the language is empty or too complex to determinize; {@code what} names
     *                                  it in the message
     */
    static CodePointDfa of(Automaton codePoints, String what) {
        return of(codePoints, what, what + " matches no text");
    }

    /** As {@link #of(Automaton, String)}, with {@code whenEmpty} as the message for an empty language. */
    static CodePointDfa of(Automaton codePoints, String what, String whenEmpty) {
        Automaton a = determinize(codePoints, what);
        if (Operations.isEmpty(a)) {
            throw new IllegalArgumentException(whenEmpty);
        }
        return new CodePointDfa(a);
    }

    /**
     * {@code a} determinized, without the states that cannot reach acceptance (over code points or bytes alike).
     *
     * @throws IllegalArgumentException when it would take more than {@link #DETERMINIZE_WORK_LIMIT}
     */
    static Automaton determinize(Automaton a, String what) {
        try {
            return Operations.removeDeadStates(Operations.determinize(a, DETERMINIZE_WORK_LIMIT));
        } catch (TooComplexToDeterminizeException e) {
            throw new IllegalArgumentException(what + " is too complex: its automaton needs more than the "
                    + DETERMINIZE_WORK_LIMIT + " steps of work allowed to build");
        }
    }

    Automaton automaton() {
        return automaton;
    }

    /** The same language over UTF-8 bytes, deterministic; {@code what} names it if that is too complex. */
    ByteRunAutomaton bytes(String what) {
        return new ByteRunAutomaton(determinize(new UTF32ToUTF8().convert(automaton), what), true);
    }

    /** The state after {@code codePoint}, or -1. */
    int step(int state, int codePoint) {
        return automaton.step(state, codePoint);
    }

    boolean isAccept(int state) {
        return automaton.isAccept(state);
    }

    /** The fewest characters that take {@code state} to acceptance. */
    int remaining(int state) {
        return remaining[state];
    }

    /**
     * Whether some code point in [lo, hi] leads from {@code state} to a state that at most {@code budget} more
     * characters take to acceptance.
     */
    boolean canRead(int state, int lo, int hi, int budget) {
        if (lo > hi) {
            return false;
        }
        Transition[] ts = transitions[state];
        int a = 0;
        int b = ts.length;
        while (a < b) { // the first transition ending at or after lo
            int m = (a + b) >>> 1;
            if (ts[m].max < lo) {
                a = m + 1;
            } else {
                b = m;
            }
        }
        for (; a < ts.length && ts[a].min <= hi; a++) {
            if (remaining[ts[a].dest] <= budget) {
                return true;
            }
        }
        return false;
    }
}
