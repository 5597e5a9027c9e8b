package io.quantserve.engine.guided;

import io.quantserve.engine.guided.ValueSpec.ObjectSpec;
import io.quantserve.engine.guided.ValueSpec.Property;
import io.quantserve.engine.guided.ValueSpec.StringSpec;

/**
 * Inside an object, between its tokens.
 *
 * @param next       index of the first declared property that may still come (declared order, none repeated)
 * @param whitespace whitespace bytes in a row so far
 * @param value      after a key: the spec of its value
 */
record ObjectFrame(ObjectSpec spec, int phase, int next, int whitespace, ValueSpec value) implements Frame {
    static final int OPEN = 0;
    static final int AFTER_VALUE = 1;
    static final int AFTER_COMMA = 2;
    static final int AFTER_KEY = 3;

    private static final StringSpec KEY = new StringSpec(0, ValueSpec.UNBOUNDED);

    @Override
    public void feed(int b, Stack self, Stacks out) {
        Stack below = self.below();
        if (Frame.isWhitespace(b)) {
            if (whitespace < MAX_WHITESPACE) {
                out.add(below.push(new ObjectFrame(spec, phase, next, whitespace + 1, value)));
            }
            return;
        }
        switch (phase) {
            case OPEN -> {
                if (b == '}' && spec.canClose(next)) {
                    out.add(below);
                } else if (b == '"') {
                    startKey(below, out);
                }
            }
            case AFTER_VALUE -> {
                if (b == '}' && spec.canClose(next)) {
                    out.add(below);
                } else if (b == ',' && spec.hasMoreKeys(next)) {
                    out.add(below.push(new ObjectFrame(spec, AFTER_COMMA, next, 0, null)));
                }
            }
            case AFTER_COMMA -> {
                if (b == '"') {
                    startKey(below, out);
                }
            }
            case AFTER_KEY -> {
                if (b == ':') {
                    Stack after = below.push(new ObjectFrame(spec, AFTER_VALUE, next, 0, null));
                    out.add(after.push(new ValueFrame(value, 0)));
                }
            }
            default -> throw new IllegalStateException("object phase " + phase);
        }
    }

    /** After the opening quote of a key: any string, or one of the declared keys that may come next. */
    private void startKey(Stack below, Stacks out) {
        if (spec.free()) {
            out.add(below.push(new ObjectFrame(spec, AFTER_KEY, next, 0, spec.additional)).push(StringFrame.open(KEY)));
            return;
        }
        for (int i = next; i < spec.properties.size(); i++) {
            Property p = spec.properties.get(i);
            Stack afterKey = below.push(new ObjectFrame(spec, AFTER_KEY, i + 1, 0, p.value()));
            out.add(afterKey.push(new LiteralFrame(p.key(), 1)));
            if (p.required()) {
                break; // a required property cannot be skipped
            }
        }
    }
}
