package io.quantserve.engine.guided;

/**
 * An immutable pushdown stack of frames; stacks that share their lower part share its objects. Equality and hash
 * walk the frames in a loop, so deeply nested documents cannot overflow the thread's stack.
 */
final class Stack {
    static final Stack DONE = new Stack(Frame.Done.INSTANCE, null);

    private final Frame top;
    private final Stack below;
    private final int depth;

    private Stack(Frame top, Stack below) {
        this.top = top;
        this.below = below;
        this.depth = below == null ? 1 : below.depth + 1;
    }

    Frame top() {
        return top;
    }

    Stack below() {
        return below;
    }

    /** Number of frames, the bottom one included. */
    int depth() {
        return depth;
    }

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

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Stack other) || other.depth != depth) {
            return false;
        }
        for (Stack a = this, b = other; a != b; a = a.below, b = b.below) {
            if (!a.top.equals(b.top)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (Stack s = this; s != null; s = s.below) {
            h = 31 * h + s.top.hashCode();
        }
        return h;
    }
}
