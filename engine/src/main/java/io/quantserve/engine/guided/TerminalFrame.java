package io.quantserve.engine.guided;

/** Inside a {@link Terminal} of an EBNF rule, at {@code state} of its byte automaton. */
record TerminalFrame(Terminal terminal, int state) implements Frame {

    @Override
    public void feed(int b, Stack self, Stacks out) {
        start(terminal, state, b, self.below(), out);
    }

    @Override
    public boolean canEnd() {
        return terminal.isAccept(state);
    }

    /**
     * Byte b read by the terminal from {@code state}: it goes on inside (or ends there, when no byte can follow), and
     * where the terminal may end already, b also goes to what comes after it.
     */
    static void start(Terminal terminal, int state, int b, Stack below, Stacks out) {
        int next = terminal.step(state, b);
        if (next >= 0) {
            out.add(terminal.hasMore(next) ? below.push(new TerminalFrame(terminal, next)) : below);
        }
        if (terminal.isAccept(state)) {
            below.feed(b, out);
        }
    }
}
