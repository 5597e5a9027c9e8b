package io.quantserve.engine.guided;

/**
 * A rule of an {@link EbnfGrammar}: its alternatives, each a sequence of {@link Terminal}s and rules. A rule written
 * in the grammar, or one made for a group or a repetition inside it. Compared by identity.
 */
final class EbnfRule {
    private final String what;
    private Alternative[] alternatives;
    private boolean nullable;

    /** {@code what} names it in messages: "rule 'value'", "the repetition at line 2, column 9". */
    EbnfRule(String what) {
        this.what = what;
    }

    String what() {
        return what;
    }

    Alternative[] alternatives() {
        return alternatives;
    }

    /** Set once, while the grammar is compiled. */
    void define(Alternative[] alternatives) {
        this.alternatives = alternatives;
    }

    /** Whether it can match the empty text (known once the grammar is compiled). */
    boolean nullable() {
        return nullable;
    }

    void nullable(boolean nullable) {
        this.nullable = nullable;
    }

    /** One alternative: elements ({@link Terminal} or {@link EbnfRule}) in order. Compared by identity. */
    static final class Alternative {
        private final Object[] elements;
        private boolean[] nullableFrom;

        Alternative(Object[] elements) {
            this.elements = elements;
        }

        Object[] elements() {
            return elements;
        }

        /** Whether the elements from {@code pos} on can all match the empty text. */
        boolean nullableFrom(int pos) {
            return nullableFrom[pos];
        }

        /** Computes {@link #nullableFrom} from the rules' nullability. */
        void settle() {
            nullableFrom = new boolean[elements.length + 1];
            nullableFrom[elements.length] = true;
            for (int i = elements.length - 1; i >= 0; i--) {
                nullableFrom[i] = nullableFrom[i + 1] && nullable(elements[i]);
            }
        }

        static boolean nullable(Object element) {
            return element instanceof Terminal t ? t.isAccept(0) : ((EbnfRule) element).nullable();
        }
    }
}
