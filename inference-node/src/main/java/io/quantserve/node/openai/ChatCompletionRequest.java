package io.quantserve.node.openai;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/chat/completions}, with vLLM's extra fields (top_k, min_p, repetition_penalty, ignore_eos, ...;
 * add_generation_prompt and continue_final_message for how the rendered conversation ends).
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
        Integer minTokens,
        List<Integer> stopTokenIds,
        Boolean includeStopStrInOutput,
        Boolean addGenerationPrompt,
        Boolean continueFinalMessage) implements SamplingFields {

    /** @param content a string, or a list of parts of which the text parts count */
    record Message(String role, JsonNode content) {
    }
}
