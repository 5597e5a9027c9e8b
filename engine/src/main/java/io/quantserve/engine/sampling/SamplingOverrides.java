package io.quantserve.engine.sampling;

import io.quantserve.engine.model.GenerationConfig;

/**
 * Sampling settings a caller gave (CLI flags, API request fields); null = not given, so the model's
 * generation_config.json decides, else the OpenAI default. This is vLLM's behaviour with the model's generation config.
 */
public record SamplingOverrides(Float temperature, Float topP, Integer topK, Float minP, Float repetitionPenalty,
        Float presencePenalty, Float frequencyPenalty, Long seed) {

    public SamplingParams over(GenerationConfig defaults) {
        boolean sampleByDefault = defaults.doSample() == null || defaults.doSample();
        float t = temperature != null ? temperature
                : !sampleByDefault ? 0f : defaults.temperature() != null ? defaults.temperature() : 1f;
        SamplingParams p = SamplingParams.defaults()
                .withTemperature(t)
                .withTopP(topP != null ? topP : defaults.topP() != null ? defaults.topP() : 1f)
                .withTopK(topK != null ? topK : defaults.topK() != null ? defaults.topK() : 0)
                .withMinP(minP != null ? minP : defaults.minP() != null ? defaults.minP() : 0f)
                .withRepetitionPenalty(repetitionPenalty != null ? repetitionPenalty
                        : defaults.repetitionPenalty() != null ? defaults.repetitionPenalty() : 1f)
                .withPresencePenalty(presencePenalty != null ? presencePenalty : 0f)
                .withFrequencyPenalty(frequencyPenalty != null ? frequencyPenalty : 0f);
        return seed != null ? p.withSeed(seed) : p;
    }
}
