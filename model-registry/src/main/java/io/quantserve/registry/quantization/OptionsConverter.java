package io.quantserve.registry.quantization;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Method options as a JSON object in a text column (portable across PostgreSQL and H2, unlike jsonb). */
@Converter
class OptionsConverter implements AttributeConverter<Map<String, String>, String> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    public String convertToDatabaseColumn(Map<String, String> options) {
        return JSON.writeValueAsString(options == null ? Map.of() : new TreeMap<>(options));
    }

    @Override
    public Map<String, String> convertToEntityAttribute(String value) {
        return value == null ? Map.of() : JSON.readValue(value, new TypeReference<TreeMap<String, String>>() { });
    }
}
