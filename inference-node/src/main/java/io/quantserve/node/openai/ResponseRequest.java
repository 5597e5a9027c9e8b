package io.quantserve.node.openai;

import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/responses}, OpenAI's Responses API as far as a stateless text model serves it: {@code input} (a
 * string, or a list of messages whose content is a string or input_text/output_text parts), {@code instructions}
 * (a system message first), sampling, {@code max_output_tokens}, {@code text.format} (text, json_object,
 * json_schema) and streaming; {@code chat_template_kwargs} as on chat completions. What needs stored state or tools
 * ({@code previous_response_id}, {@code tools}) is refused by name.
 */
record ResponseRequest(
        String model,
        JsonNode input,
        String instructions,
        Integer maxOutputTokens,
        Float temperature,
        Float topP,
        Integer topK,
        Long seed,
        Boolean stream,
        JsonNode text,
        JsonNode tools,
        String previousResponseId,
        JsonNode metadata,
        JsonNode chatTemplateKwargs) {
}
