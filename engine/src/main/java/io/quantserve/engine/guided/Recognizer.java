package io.quantserve.engine.guided;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An immutable state of reading one document of a pushdown grammar (a {@link JsonGrammar}, an {@link EbnfGrammar}),
 * byte by byte: {@link #advance} gives the state after more bytes, or null when they cannot continue any document of
 * the grammar. Equal states (same frames) are equal objects, which lets masks be cached per state.
 */
public final class Recognizer {
    private final Stack[] stacks; // alternatives (anyOf, a grammar's ambiguity); never empty
    private final int maxStacks;
    private int hash;

    private Recognizer(Stack[] stacks, int maxStacks) {
        this.stacks = stacks;
        this.maxStacks = maxStacks;
    }

    /**
     * The state before the first byte, with {@code first} on top of the bottom frame; a text with more than
     * {@code maxStacks} readings fails with an IllegalStateException (the grammar is too ambiguous to follow).
     */
    static Recognizer start(Frame first, int maxStacks) {
        return new Recognizer(new Stack[] {Stack.DONE.push(first)}, maxStacks);
    }

    int maxStacks() {
        return maxStacks;
    }

    Stack[] stacks() {
        return stacks;
    }

    /** The state after byte b (0..255), or null when no document of the grammar continues with it. */
    public Recognizer advance(int b) {
        Stack[] next = Stacks.step(stacks, b & 0xff, maxStacks);
        return next == null ? null : new Recognizer(next, maxStacks);
    }

    /** The state after all of {@code bytes}, or null when they cannot continue a document. */
    public Recognizer advance(byte[] bytes) {
        Stack[] current = stacks;
        for (byte b : bytes) {
            current = Stacks.step(current, b & 0xff, maxStacks);
            if (current == null) {
                return null;
            }
        }
        return new Recognizer(current, maxStacks);
    }

    /** The state after the UTF-8 bytes of {@code text}, or null. */
    public Recognizer advance(String text) {
        return advance(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether the bytes so far form a whole document (which may or may not go on, e.g. a top-level number). */
    public boolean isComplete() {
        for (Stack s : stacks) {
            if (s.accepting()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Recognizer r && Arrays.equals(stacks, r.stacks);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(stacks);
            hash = h;
        }
        return h;
    }
}
