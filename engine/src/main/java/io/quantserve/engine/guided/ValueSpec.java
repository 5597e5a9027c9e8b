package io.quantserve.engine.guided;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What may stand at one place of a JSON document: the compiled form of a JSON schema (or of "any JSON"). Specs are
 * compared by identity, so recognizer states that point at them stay cheap to compare and hash.
 */
sealed interface ValueSpec {
    int UNBOUNDED = Integer.MAX_VALUE;

    /** Exactly this JSON text (a const, an enum value, true/false/null), in compact canonical form. */
    final class Literal implements ValueSpec {
        final byte[] text;

        Literal(String json) {
            this.text = json.getBytes(StandardCharsets.UTF_8);
        }

        /** Exactly these bytes (a structural tag's begin text after its trigger). */
        Literal(byte[] text) {
            this.text = text.clone();
        }
    }

    /**
     * A string of minLength..maxLength characters (escapes and UTF-8 sequences count one each), in the language of
     * {@code pattern} when there is one.
     */
    final class StringSpec implements ValueSpec {
        final int minLength;
        final int maxLength;
        final CodePointDfa pattern; // the characters' language (pattern, format); null: any

        StringSpec(int minLength, int maxLength) {
            this(minLength, maxLength, null);
        }

        StringSpec(int minLength, int maxLength, CodePointDfa pattern) {
            this.minLength = minLength;
            this.maxLength = maxLength;
            this.pattern = pattern;
        }

        boolean counts() {
            return minLength > 0 || maxLength != UNBOUNDED;
        }
    }

    /**
     * A JSON number; an integer has neither fraction nor exponent. With a range (minimum, maximum...), the number's
     * text is read by the range's automaton instead (plain decimals within it).
     */
    final class NumberSpec implements ValueSpec {
        final boolean integer;
        final CodePointDfa range; // null: any value

        NumberSpec(boolean integer) {
            this(integer, null);
        }

        NumberSpec(boolean integer, CodePointDfa range) {
            this.integer = integer;
            this.range = range;
        }
    }

    /** One declared property of an object: its key as JSON text (with quotes) and its value. */
    record Property(String name, Literal key, ValueSpec value, boolean required) {
    }

    /**
     * An object. With declared properties, keys come in declaration order and optional ones may be left out; with
     * none, any keys may come, each with a value of {@code additional} (null: no keys at all).
     */
    final class ObjectSpec implements ValueSpec {
        final List<Property> properties;
        final ValueSpec additional;
        private final int lastRequired;

        ObjectSpec(List<Property> properties, ValueSpec additional) {
            this.properties = List.copyOf(properties);
            this.additional = properties.isEmpty() ? additional : null;
            int last = -1;
            for (int i = 0; i < properties.size(); i++) {
                if (properties.get(i).required()) {
                    last = i;
                }
            }
            this.lastRequired = last;
        }

        boolean free() {
            return additional != null;
        }

        /** Whether the object may close when the next property to write would be the one at {@code next}. */
        boolean canClose(int next) {
            return next > lastRequired;
        }

        /** Whether another key may come when the next property to write would be the one at {@code next}. */
        boolean hasMoreKeys(int next) {
            return free() || next < properties.size();
        }
    }

    /** An array of minItems..maxItems values of {@code items}. */
    final class ArraySpec implements ValueSpec {
        final ValueSpec items;
        final int minItems;
        final int maxItems;

        ArraySpec(ValueSpec items, int minItems, int maxItems) {
            this.items = items;
            this.minItems = minItems;
            this.maxItems = maxItems;
        }

        boolean counts() {
            return minItems > 0 || maxItems != UNBOUNDED;
        }
    }

    /** Any of several specs (anyOf, oneOf, enum, a list of types). */
    final class AnyOf implements ValueSpec {
        final List<ValueSpec> alternatives;

        AnyOf(List<ValueSpec> alternatives) {
            this.alternatives = List.copyOf(alternatives);
        }
    }

    /** A reference resolved after compilation, so that specs can be recursive. */
    final class Ref implements ValueSpec {
        final String pointer;
        ValueSpec target;

        Ref(String pointer) {
            this.pointer = pointer;
        }
    }

    /** Any JSON value at all. */
    ValueSpec ANY = AnyJson.any();

    /** Any JSON object, its values any JSON. */
    ValueSpec ANY_OBJECT = AnyJson.anyObject();

    /** Builds the (recursive) "any JSON" specs once. */
    final class AnyJson {
        private static final Ref SELF = new Ref("any");
        private static final ObjectSpec OBJECT = new ObjectSpec(List.of(), SELF);
        private static final ArraySpec ARRAY = new ArraySpec(SELF, 0, UNBOUNDED);

        static {
            SELF.target = new AnyOf(List.of(OBJECT, ARRAY,
                    new StringSpec(0, UNBOUNDED), new NumberSpec(false), new Literal("true"), new Literal("false"),
                    new Literal("null")));
        }

        private AnyJson() {
        }

        static ValueSpec any() {
            return SELF;
        }

        static ValueSpec anyObject() {
            return OBJECT;
        }

        static ValueSpec anyArray() {
            return ARRAY;
        }
    }
}
