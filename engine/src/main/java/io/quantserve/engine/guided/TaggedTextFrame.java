package io.quantserve.engine.guided;

/** Free text of a {@link StructuralTag}, whose last bytes {@code tail} may begin one of its triggers. */
record TaggedTextFrame(StructuralTag tag, String tail) implements Frame {

    @Override
    public void feed(int b, Stack self, Stacks out) {
        tag.feed(tail, b, self.below(), out);
    }

    @Override
    public boolean canEnd() {
        return true;
    }
}
