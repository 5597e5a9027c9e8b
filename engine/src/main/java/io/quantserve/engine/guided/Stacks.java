package io.quantserve.engine.guided;

import java.util.Arrays;

/** Collects the stacks one byte leads to, without duplicates (alternatives of an anyOf may converge). */
final class Stacks {
    private Stack[] items = new Stack[2];
    private int size;

    void add(Stack s) {
        for (int i = 0; i < size; i++) {
            if (items[i].equals(s)) {
                return;
            }
        }
        if (size == items.length) {
            items = Arrays.copyOf(items, size * 2);
        }
        items[size++] = s;
    }

    /** The stacks reached from {@code from} by byte b, or null when b fits none of them. */
    static Stack[] step(Stack[] from, int b) {
        Stacks out = new Stacks();
        for (Stack s : from) {
            s.feed(b, out);
        }
        return out.size == 0 ? null : Arrays.copyOf(out.items, out.size);
    }
}
