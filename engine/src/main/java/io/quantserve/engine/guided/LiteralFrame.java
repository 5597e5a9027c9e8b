package io.quantserve.engine.guided;

import io.quantserve.engine.guided.ValueSpec.Literal;

/** Inside a fixed text (a const or enum value, true/false/null, a declared key): {@code pos} bytes are matched. */
record LiteralFrame(Literal literal, int pos) implements Frame {

    @Override
    public void feed(int b, Stack self, Stacks out) {
        start(literal, pos, b, self.below(), out);
    }

    /** Byte b at {@code pos} of the literal; the literal ends by popping, so the next byte goes below. */
    static void start(Literal literal, int pos, int b, Stack below, Stacks out) {
        if ((literal.text[pos] & 0xff) != b) {
            return;
        }
        out.add(pos + 1 == literal.text.length ? below : below.push(new LiteralFrame(literal, pos + 1)));
    }
}
