package io.quantserve.engine.guided;

/**
 * One level of the recognizer's pushdown stack: where inside a value (or an EBNF rule) the input is. Frames are
 * immutable values, so a state can be shared by every continuation tried from it (the per-token mask tries the whole
 * vocabulary).
 */
sealed interface Frame permits ValueFrame, LiteralFrame, StringFrame, NumberFrame, RangeFrame, ObjectFrame,
        ArrayFrame, RuleFrame, TerminalFrame, TaggedTextFrame, Frame.Done {
    /** Insignificant whitespace allowed in a row: enough for "a": 1, never an endless run of spaces. */
    int MAX_WHITESPACE = 2;

    /** Feeds one byte (0..255) to this frame, the top of {@code self}; every resulting stack goes to out. */
    void feed(int b, Stack self, Stacks out);

    /** Whether the frame may end without another byte (a number with digits), handing the next byte below. */
    default boolean canEnd() {
        return false;
    }

    static boolean isWhitespace(int b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    /** The bottom of every stack: the document is complete and takes no more bytes. */
    enum Done implements Frame {
        INSTANCE;

        @Override
        public void feed(int b, Stack self, Stacks out) {
        }

        @Override
        public boolean canEnd() {
            return true;
        }
    }
}
