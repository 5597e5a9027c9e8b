package io.quantserve.engine.guided;

/** An immutable pushdown stack of frames; stacks that share their lower part share its objects. */
record Stack(Frame top, Stack below) {
    static final Stack DONE = new Stack(Frame.Done.INSTANCE, null);

    void feed(int b, Stacks out) {
        top.feed(b, this, out);
    }

    Stack push(Frame frame) {
        return new Stack(frame, this);
    }

    /** Whether the document may end here: every frame down to the bottom can end. */
    boolean accepting() {
        for (Stack s = this; s != null; s = s.below) {
            if (!s.top.canEnd()) {
                return false;
            }
        }
        return true;
    }
}
