package io.quantserve.engine.guided;

import java.util.Arrays;

/** Collects the stacks one byte leads to, without duplicates (alternatives of an anyOf may converge). */
final class Stacks {
    private final int max;
    private Stack[] items = new Stack[2];
    private int size;

    /**
     * @param max more stacks than this (parses of the text so far) are a grammar too ambiguous to follow at a usable
     *            speed — a mask tries every token from each — and fail the sequence rather than stall the engine
     */
    Stacks(int max) {
        this.max = max;
    }

    void add(Stack s) {
        for (int i = 0; i < size; i++) {
            if (items[i].equals(s)) {
                return;
            }
        }
        if (size == max) {
            throw new IllegalStateException("the grammar is too ambiguous: the output so far can be read in more than "
                    + max + " ways");
        }
        if (size == items.length) {
            items = Arrays.copyOf(items, size * 2);
        }
        items[size++] = s;
    }

    /** The stacks reached from {@code from} by byte b (at most {@code max}), or null when b fits none of them. */
    static Stack[] step(Stack[] from, int b, int max) {
        return new Stacks(max).next(from, b);
    }

    /** Like {@link #step(Stack[], int, int)}, reusing this collector (which it clears). */
    Stack[] next(Stack[] from, int b) {
        size = 0;
        for (Stack s : from) {
            s.feed(b, this);
        }
        Stack[] result = size == 0 ? null : size == 1 && from.length == 1 && from[0] == items[0] ? from
                : Arrays.copyOf(items, size);
        Arrays.fill(items, 0, size, null);
        return result;
    }
}
