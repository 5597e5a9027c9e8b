package io.quantserve.engine.guided;

import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.ByteRunAutomaton;

/**
 * A stretch of an {@link EbnfGrammar} rule without rule references (literals, classes, their repeats), as a
 * deterministic automaton over UTF-8 bytes whose every state can still reach acceptance; state 0 is the start.
 */
final class Terminal {
    private final ByteRunAutomaton dfa;
    private final boolean[] more; // state -> some byte leads on

    private Terminal(ByteRunAutomaton dfa) {
        this.dfa = dfa;
        this.more = new boolean[dfa.getSize()];
        for (int s = 0; s < more.length; s++) {
            for (int b = 0; b < 256 && !more[s]; b++) {
                more[s] = dfa.step(s, b) >= 0;
            }
        }
    }

    /**
     * @throws IllegalArgumentException when the text matches nothing or is too complex; {@code what} names it
     */
    static Terminal of(Automaton codePoints, String what) {
        return new Terminal(CodePointDfa.of(codePoints, what).bytes(what));
    }

    /** The state after byte b, or -1. */
    int step(int state, int b) {
        return dfa.step(state, b);
    }

    boolean isAccept(int state) {
        return dfa.isAccept(state);
    }

    /** Whether some byte leads on from {@code state}. */
    boolean hasMore(int state) {
        return more[state];
    }

    /** Whether the empty text is all it matches. */
    boolean onlyEmpty() {
        return isAccept(0) && !hasMore(0);
    }
}
