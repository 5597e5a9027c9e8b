package io.quantserve.node.openai;

import io.quantserve.engine.guided.TokenConstraint;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/** {@code response_format} → a constraint factory (one constraint per choice), or null for free text. */
@Component
class StructuredOutputs {

    Supplier<TokenConstraint> constraint(JsonNode responseFormat) {
        if (responseFormat == null || responseFormat.isNull()) {
            return null;
        }
        String type = responseFormat.path("type").asString("");
        return switch (type) {
            case "text" -> null;
            default -> throw OpenAiException.invalid("response_format.type", "response_format type '" + type
                    + "' is not supported (supported: text)");
        };
    }
}
