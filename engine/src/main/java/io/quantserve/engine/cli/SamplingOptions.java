package io.quantserve.engine.cli;

import io.quantserve.engine.model.GenerationConfig;
import io.quantserve.engine.sampling.SamplingOverrides;
import io.quantserve.engine.sampling.SamplingParams;
import picocli.CommandLine.Option;

/** Sampling flags shared by generate and chat; unset flags fall back to the model's generation_config.json. */
final class SamplingOptions {
    @Option(names = "--temperature", description = "0 = greedy (default: generation_config, else 1.0)")
    Float temperature;

    @Option(names = "--top-p", description = "nucleus sampling mass (default: generation_config, else 1.0)")
    Float topP;

    @Option(names = "--top-k", description = "keep the k most likely tokens, 0 = off")
    Integer topK;

    @Option(names = "--min-p", description = "drop tokens below min-p times the top probability")
    Float minP;

    @Option(names = "--repetition-penalty", description = "HF repetition penalty, 1 = off")
    Float repetitionPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", description = "OpenAI presence penalty")
    float presencePenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", description = "OpenAI frequency penalty")
    float frequencyPenalty;

    @Option(names = "--seed", description = "random seed for reproducible sampling")
    Long seed;

    SamplingParams toParams(GenerationConfig defaults) {
        return new SamplingOverrides(temperature, topP, topK, minP, repetitionPenalty, presencePenalty,
                frequencyPenalty, seed).over(defaults);
    }
}
