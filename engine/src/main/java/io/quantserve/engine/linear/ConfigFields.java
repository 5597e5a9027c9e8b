package io.quantserve.engine.linear;

import tools.jackson.databind.JsonNode;

/** Typed fields of a {@code quantization_config} section, with errors naming the field. */
final class ConfigFields {
    private ConfigFields() {
    }

    static int integer(JsonNode section, String field, Integer fallback) {
        JsonNode v = section.get(field);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                throw new IllegalArgumentException("missing field '" + field + "'");
            }
            return fallback;
        }
        if (!v.isIntegralNumber()) {
            throw new IllegalArgumentException("field '" + field + "' must be an integer, is " + v);
        }
        return v.asInt();
    }

    static boolean bool(JsonNode section, String field, boolean fallback) {
        JsonNode v = section.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("field '" + field + "' must be true or false, is " + v);
        }
        return v.asBoolean();
    }

    static String string(JsonNode section, String field, String fallback) {
        JsonNode v = section.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isString()) {
            throw new IllegalArgumentException("field '" + field + "' must be a string, is " + v);
        }
        return v.asString();
    }

    /** group_size: a positive width, or -1 for one group per output channel. */
    static int groupSize(JsonNode section, String field) {
        int g = integer(section, field, null);
        if (g == 0 || g < -1) {
            throw new IllegalArgumentException("group_size " + g + " is not supported (positive, or -1 for per-channel)");
        }
        return g;
    }
}
