package io.quantserve.engine.guided;

import io.quantserve.engine.guided.ValueSpec.AnyOf;
import io.quantserve.engine.guided.ValueSpec.ArraySpec;
import io.quantserve.engine.guided.ValueSpec.Literal;
import io.quantserve.engine.guided.ValueSpec.NumberSpec;
import io.quantserve.engine.guided.ValueSpec.ObjectSpec;
import io.quantserve.engine.guided.ValueSpec.Ref;
import io.quantserve.engine.guided.ValueSpec.StringSpec;

/** Before a value of {@code spec}, after {@code whitespace} bytes of whitespace. */
record ValueFrame(ValueSpec spec, int whitespace) implements Frame {
    /**
     * Free values (json_object, untyped schemas) open no container deeper than this: parsers refuse deep nesting
     * (Jackson at 500-1000 levels) and strings, numbers and literals always remain, so this is never a dead end.
     */
    static final int MAX_FREE_DEPTH = 64;

    @Override
    public void feed(int b, Stack self, Stacks out) {
        Stack below = self.below();
        if (Frame.isWhitespace(b)) {
            if (whitespace < MAX_WHITESPACE) {
                out.add(below.push(new ValueFrame(spec, whitespace + 1)));
            }
            return;
        }
        start(spec, b, below, out);
    }

    /** The first byte of a value of {@code spec}, which then continues on {@code below}. */
    static void start(ValueSpec spec, int b, Stack below, Stacks out) {
        switch (spec) {
            case AnyOf any -> {
                for (ValueSpec alternative : any.alternatives) {
                    start(alternative, b, below, out);
                }
            }
            case Ref ref -> start(ref.target, b, below, out);
            case Literal literal -> LiteralFrame.start(literal, 0, b, below, out);
            case StringSpec string -> {
                if (b == '"') {
                    out.add(below.push(StringFrame.open(string)));
                }
            }
            case NumberSpec number when number.range != null -> RangeFrame.start(number.range, b, below, out);
            case NumberSpec number -> NumberFrame.start(number.integer, b, below, out);
            case ObjectSpec object -> {
                if (b == '{' && (object != ValueSpec.ANY_OBJECT || below.depth() < MAX_FREE_DEPTH)) {
                    out.add(below.push(new ObjectFrame(object, ObjectFrame.OPEN, 0, 0, null)));
                }
            }
            case ArraySpec array -> {
                if (b == '[' && (array != ValueSpec.AnyJson.anyArray() || below.depth() < MAX_FREE_DEPTH)) {
                    out.add(below.push(new ArrayFrame(array, ArrayFrame.OPEN, 0, 0)));
                }
            }
        }
    }
}
