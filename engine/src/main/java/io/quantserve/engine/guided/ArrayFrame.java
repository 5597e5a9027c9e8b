package io.quantserve.engine.guided;

import io.quantserve.engine.guided.ValueSpec.ArraySpec;

/**
 * Inside an array, between its values.
 *
 * @param count      values so far, kept only when the spec bounds the count (so unbounded arrays stay one state)
 * @param whitespace whitespace bytes in a row so far
 */
record ArrayFrame(ArraySpec spec, int phase, int count, int whitespace) implements Frame {
    static final int OPEN = 0;
    static final int AFTER_VALUE = 1;
    static final int AFTER_COMMA = 2;

    @Override
    public void feed(int b, Stack self, Stacks out) {
        Stack below = self.below();
        if (Frame.isWhitespace(b)) {
            if (whitespace < MAX_WHITESPACE) {
                out.add(below.push(new ArrayFrame(spec, phase, count, whitespace + 1)));
            }
            return;
        }
        switch (phase) {
            case OPEN -> {
                if (b == ']') {
                    if (spec.minItems == 0) {
                        out.add(below);
                    }
                } else if (spec.maxItems > 0) {
                    startValue(b, below, out);
                }
            }
            case AFTER_VALUE -> {
                if (b == ']' && count >= spec.minItems) {
                    out.add(below);
                } else if (b == ',' && count < spec.maxItems) {
                    out.add(below.push(new ArrayFrame(spec, AFTER_COMMA, count, 0)));
                }
            }
            case AFTER_COMMA -> startValue(b, below, out);
            default -> throw new IllegalStateException("array phase " + phase);
        }
    }

    private void startValue(int b, Stack below, Stacks out) {
        int after = spec.counts() ? count + 1 : 0;
        ValueFrame.start(spec.items, b, below.push(new ArrayFrame(spec, AFTER_VALUE, after, 0)), out);
    }
}
