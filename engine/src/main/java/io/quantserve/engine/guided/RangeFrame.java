package io.quantserve.engine.guided;

/**
 * Inside a number whose value the schema bounds (minimum, maximum...): its text is read by the range's automaton
 * ({@link NumberRanges}), which accepts only plain decimals in the interval, and every state of which can still reach
 * one. Like an unbounded number, it ends when a byte that cannot extend it comes and the text so far is a whole
 * number in range; a digit that may not extend it never ends it.
 */
record RangeFrame(CodePointDfa range, int state) implements Frame {

    /** The first byte of a number. */
    static void start(CodePointDfa range, int b, Stack below, Stacks out) {
        RangeFrame first = new RangeFrame(range, 0);
        first.feed(b, below.push(first), out);
    }

    @Override
    public boolean canEnd() {
        return range.isAccept(state);
    }

    @Override
    public void feed(int b, Stack self, Stacks out) {
        Stack below = self.below();
        int next = b < 0x80 ? range.step(state, b) : -1;
        if (next >= 0) {
            out.add(below.push(new RangeFrame(range, next)));
        } else if (canEnd() && !(b >= '0' && b <= '9') && b != '.' && b != '-') {
            below.feed(b, out);
        }
    }
}
