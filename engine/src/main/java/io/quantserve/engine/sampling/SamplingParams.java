package io.quantserve.engine.sampling;

import java.util.Map;
import java.util.OptionalLong;

/**
 * How to pick the next token, with the meaning vLLM / HF / the OpenAI API give these knobs.
 *
 * @param temperature 0 = greedy (argmax); otherwise logits are divided by it before softmax
 * @param topK keep only the k most likely tokens; 0 or -1 disables
 * @param topP keep the smallest set of most likely tokens whose probability sums to at least topP; 1 disables
 * @param minP drop tokens whose probability is below minP times the top token's; 0 disables
 * @param repetitionPenalty HF/CTRL penalty on tokens already in prompt or output; 1 disables
 * @param presencePenalty OpenAI: subtracted once from the logit of every token already generated
 * @param frequencyPenalty OpenAI: subtracted per occurrence of a token in the generated text
 * @param seed fixes the random stream (same seed, same logits: same tokens); empty = random
 * @param logitBias OpenAI's logit_bias: added to the logits of these token ids before penalties and sampling
 *                  (-100 bans a token, 100 all but forces it); empty = none
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        float presencePenalty,
        float frequencyPenalty,
        OptionalLong seed,
        Map<Integer, Float> logitBias) {

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < -1) {
            throw new IllegalArgumentException("topK must be >= 1, or 0 / -1 to disable, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("minP must be in [0, 1], got " + minP);
        }
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetitionPenalty must be a finite number > 0, got " + repetitionPenalty);
        }
        // The OpenAI API's range; larger values only make sense as bugs.
        if (!(presencePenalty >= -2 && presencePenalty <= 2)) {
            throw new IllegalArgumentException("presencePenalty must be in [-2, 2], got " + presencePenalty);
        }
        if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
            throw new IllegalArgumentException("frequencyPenalty must be in [-2, 2], got " + frequencyPenalty);
        }
        if (seed == null) {
            throw new IllegalArgumentException("seed must be an OptionalLong (empty for random), not null");
        }
        logitBias = Map.copyOf(logitBias);
        for (var e : logitBias.entrySet()) {
            if (e.getKey() < 0 || !(e.getValue() >= -100 && e.getValue() <= 100)) {
                throw new IllegalArgumentException("logitBias must map token ids >= 0 to biases in [-100, 100], got "
                        + e.getKey() + " -> " + e.getValue());
            }
        }
    }

    /** Always the most likely token; no randomness. */
    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, OptionalLong.empty(), Map.of());
    }

    /** Plain softmax sampling at temperature 1 with every filter and penalty off (OpenAI defaults). */
    public static SamplingParams defaults() {
        return new SamplingParams(1f, 0, 1f, 0f, 1f, 0f, 0f, OptionalLong.empty(), Map.of());
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, logitBias);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, logitBias);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(temperature, topK, p, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, logitBias);
    }

    public SamplingParams withMinP(float p) {
        return new SamplingParams(temperature, topK, topP, p, repetitionPenalty, presencePenalty, frequencyPenalty, seed, logitBias);
    }

    public SamplingParams withRepetitionPenalty(float r) {
        return new SamplingParams(temperature, topK, topP, minP, r, presencePenalty, frequencyPenalty, seed, logitBias);
    }

    public SamplingParams withPresencePenalty(float p) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, p, frequencyPenalty, seed, logitBias);
    }

    public SamplingParams withFrequencyPenalty(float f) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, f, seed, logitBias);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, OptionalLong.of(s), logitBias);
    }

    public SamplingParams withLogitBias(Map<Integer, Float> bias) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed, bias);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
