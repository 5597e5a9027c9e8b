package io.quantserve.engine.guided;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An immutable state of reading one JSON document of a {@link JsonGrammar}, byte by byte: {@link #advance} gives the
 * state after more bytes, or null when they cannot continue any document of the grammar. Equal states (same frames)
 * are equal objects, which lets masks be cached per state.
 */
public final class JsonRecognizer {
    private final Stack[] stacks; // alternatives (anyOf); never empty
    private int hash;

    JsonRecognizer(Stack[] stacks) {
        this.stacks = stacks;
    }

    static JsonRecognizer start(ValueSpec root) {
        return new JsonRecognizer(new Stack[] {Stack.DONE.push(new ValueFrame(root, 0))});
    }

    Stack[] stacks() {
        return stacks;
    }

    /** The state after byte b (0..255), or null when no document of the grammar continues with it. */
    public JsonRecognizer advance(int b) {
        Stack[] next = Stacks.step(stacks, b & 0xff);
        return next == null ? null : new JsonRecognizer(next);
    }

    /** The state after all of {@code bytes}, or null when they cannot continue a document. */
    public JsonRecognizer advance(byte[] bytes) {
        Stack[] current = stacks;
        for (byte b : bytes) {
            current = Stacks.step(current, b & 0xff);
            if (current == null) {
                return null;
            }
        }
        return new JsonRecognizer(current);
    }

    /** The state after the UTF-8 bytes of {@code text}, or null. */
    public JsonRecognizer advance(String text) {
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
        return o instanceof JsonRecognizer r && Arrays.equals(stacks, r.stacks);
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
