package io.quantserve.node.openai;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/chat/completions}, with vLLM's extra fields (top_k, min_p, repetition_penalty, ignore_eos, ...;
 * add_generation_prompt and continue_final_message for how the rendered conversation ends, chat_template_kwargs for
 * the template's own switches such as Qwen3's enable_thinking) and function tools.
 */
record ChatCompletionRequest(
        String model,
        List<Message> messages,
        Integer maxTokens,
        Integer maxCompletionTokens,
        Float temperature,
        Float topP,
        Integer topK,
        Float minP,
        Float presencePenalty,
        Float frequencyPenalty,
        Float repetitionPenalty,
        Long seed,
        JsonNode stop,
        Integer n,
        Boolean logprobs,
        Integer topLogprobs,
        Boolean stream,
        StreamOptions streamOptions,
        Boolean ignoreEos,
        JsonNode responseFormat,
        JsonNode logitBias,
        JsonNode tools,
        JsonNode toolChoice,
        Boolean parallelToolCalls,
        Integer minTokens,
        List<Integer> stopTokenIds,
        List<Integer> allowedTokenIds,
        List<String> badWords,
        Integer promptLogprobs,
        Boolean skipSpecialTokens,
        Integer truncatePromptTokens,
        Boolean addSpecialTokens,
        Boolean useBeamSearch,
        Integer bestOf,
        Integer priority,
        JsonNode logitsProcessors,
        Boolean returnTokensAsTokenIds,
        Boolean returnTokenIds,
        Boolean includeStopStrInOutput,
        Boolean addGenerationPrompt,
        Boolean continueFinalMessage,
        JsonNode chatTemplateKwargs,
        JsonNode guidedJson,
        JsonNode guidedChoice,
        JsonNode guidedRegex,
        JsonNode guidedGrammar,
        JsonNode structuredOutputs) implements SamplingFields {

    /**
     * @param content    a string, or a list of parts of which the text parts count; null beside tool calls
     * @param toolCalls  an assistant turn's calls: {@code [{"id", "type": "function", "function": {"name",
     *                   "arguments": "<JSON text>"}}]}
     * @param toolCallId the call a "tool" turn answers
     */
    record Message(String role, JsonNode content, JsonNode toolCalls, String toolCallId) {
    }
}
