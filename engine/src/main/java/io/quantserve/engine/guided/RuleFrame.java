package io.quantserve.engine.guided;

import io.quantserve.engine.guided.EbnfRule.Alternative;

/** Inside an alternative of an EBNF rule: its elements before {@code pos} are read, the rest come next. */
record RuleFrame(Alternative alternative, int pos) implements Frame {

    @Override
    public void feed(int b, Stack self, Stacks out) {
        start(alternative, pos, b, self.below(), out);
    }

    @Override
    public boolean canEnd() {
        return alternative.nullableFrom(pos);
    }

    /**
     * Byte b read at element {@code pos} of the alternative: a terminal reads it, a rule hands it to each of its
     * alternatives; the elements after it wait below. Past the last element b goes below. Rules are never
     * left-recursive ({@link EbnfGrammar} refuses them), so the expansion ends.
     */
    static void start(Alternative alternative, int pos, int b, Stack below, Stacks out) {
        Object[] elements = alternative.elements();
        if (pos == elements.length) {
            below.feed(b, out);
            return;
        }
        Stack rest = pos + 1 == elements.length ? below : below.push(new RuleFrame(alternative, pos + 1));
        if (elements[pos] instanceof Terminal terminal) {
            TerminalFrame.start(terminal, 0, b, rest, out);
        } else {
            for (Alternative a : ((EbnfRule) elements[pos]).alternatives()) {
                start(a, 0, b, rest, out);
            }
        }
    }
}
