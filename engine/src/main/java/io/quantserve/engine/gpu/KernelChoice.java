package io.quantserve.engine.gpu;

import java.util.Arrays;
import java.util.Locale;

/** A kernel choice named by a system property: one of an enum's constants, by name ('-' for '_', any case). */
public final class KernelChoice {
    private KernelChoice() {
    }

    /**
     * The constant of {@code type} that {@code property} names, or {@code unset} where it is unset or blank; any other
     * value is refused, naming {@code what} and the choices.
     */
    public static <E extends Enum<E>> E fromProperty(String property, Class<E> type, E unset, String what) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            return unset;
        }
        return Arrays.stream(type.getEnumConstants()).filter(e -> name(e).equals(value.strip().toLowerCase(Locale.ROOT)))
                .findFirst().orElseThrow(() -> new IllegalArgumentException(property + "=" + value + " names no " + what
                        + " (one of " + Arrays.stream(type.getEnumConstants()).map(KernelChoice::name).toList() + ")"));
    }

    private static String name(Enum<?> e) {
        return e.name().replace('_', '-').toLowerCase(Locale.ROOT);
    }
}
