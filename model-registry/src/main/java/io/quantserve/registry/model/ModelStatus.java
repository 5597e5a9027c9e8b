package io.quantserve.registry.model;

import com.fasterxml.jackson.annotation.JsonValue;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.Locale;

public enum ModelStatus {
    IMPORTING, READY, FAILED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Stored lowercase, as the API shows it. */
    @Converter(autoApply = true)
    static class DbConverter implements AttributeConverter<ModelStatus, String> {
        @Override
        public String convertToDatabaseColumn(ModelStatus status) {
            return status == null ? null : status.wireName();
        }

        @Override
        public ModelStatus convertToEntityAttribute(String value) {
            return value == null ? null : valueOf(value.toUpperCase(Locale.ROOT));
        }
    }
}
