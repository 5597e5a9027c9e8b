package io.quantserve.node.openai;

import java.util.List;
import tools.jackson.databind.JsonNode;

/** {@code POST /v1/completions} (the legacy text API that benchmarks use), with vLLM's extra sampling fields. */
record CompletionRequest(
        String model,
        /* a string, a list of one string, a list of token ids, or a list holding one list of token ids */
        JsonNode prompt,
        Integer maxTokens,
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
        Integer logprobs,
        Boolean echo,
        String suffix,
        Boolean stream,
        StreamOptions streamOptions,
        Boolean ignoreEos,
        JsonNode responseFormat,
        JsonNode logitBias,
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
        JsonNode guidedJson,
        JsonNode guidedChoice,
        JsonNode guidedRegex,
        JsonNode guidedGrammar,
        JsonNode structuredOutputs) implements SamplingFields {
}
