package io.quantserve.engine.gpu;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The backend asked for: {@code auto} (CUDA when a device is present, else CPU), {@code cpu} or {@code cuda}. Set by
 * the system property {@value #PROPERTY} or, when that is absent, the environment variable {@value #ENV}.
 */
public enum BackendChoice {
    AUTO, CPU, CUDA;

    public static final String PROPERTY = "quantserve.backend";
    public static final String ENV = "QUANTSERVE_BACKEND";

    /** The choice named by {@code value} (case and surrounding blanks ignored); blank or null means auto. */
    public static BackendChoice parse(String value, String source) {
        if (value == null || value.isBlank()) {
            return AUTO;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "cpu" -> CPU;
            case "cuda" -> CUDA;
            default -> throw new IllegalArgumentException(source + " is '" + value + "'; expected auto, cpu or cuda");
        };
    }

    /** From the system property, else the environment variable, else auto. */
    public static BackendChoice from(Properties properties, Map<String, String> environment) {
        String property = properties.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return parse(property, "-D" + PROPERTY);
        }
        return parse(environment.get(ENV), ENV);
    }

    public static BackendChoice fromSystem() {
        return from(System.getProperties(), System.getenv());
    }
}
