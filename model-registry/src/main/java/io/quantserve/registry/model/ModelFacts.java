package io.quantserve.registry.model;

/**
 * What the registry reads from a model's files: {@code architectures[0]}, {@code hidden_size} and
 * {@code num_hidden_layers} from config.json, and the parameter count summed over the safetensors headers.
 */
public record ModelFacts(String architecture, long parameterCount, Integer hiddenSize, Integer numLayers) {
}
