package io.quantserve.node.openai;

import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/responses}, OpenAI's Responses API as far as a stateless text model serves it: {@code input} (a
 * string, or a list of messages whose content is a string or input_text/output_text parts, and of the function_call
 * and function_call_output items of earlier turns), {@code instructions} (a system message first), sampling,
 * {@code max_output_tokens}, {@code text.format} (text, json_object, json_schema), function {@code tools} with
 * {@code tool_choice} and {@code parallel_tool_calls} (served as on chat completions), and streaming;
 * {@code chat_template_kwargs} as on chat completions; {@code store} (default true) keeps the response for
 * {@code GET /v1/responses/{id}} and a later request's {@code previous_response_id}.
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
        JsonNode toolChoice,
        Boolean parallelToolCalls,
        String previousResponseId,
        Boolean store,
        JsonNode metadata,
        JsonNode chatTemplateKwargs) {
}
