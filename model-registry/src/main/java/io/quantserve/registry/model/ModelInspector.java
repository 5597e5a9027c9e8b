package io.quantserve.registry.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks a model folder and reads its facts: config.json must be a JSON object; the weights are the files named by
 * {@code model.safetensors.index.json} (sharded), else {@code model.safetensors}, else every top-level
 * {@code *.safetensors}; each header must parse, and the parameter count is the sum of their tensors' elements.
 */
@Component
public class ModelInspector {
    static final String CONFIG = "config.json";
    static final String INDEX = "model.safetensors.index.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** @throws InvalidModelException naming the file and the problem */
    public ModelFacts inspect(Path dir) {
        JsonNode config = readJson(dir, CONFIG);
        if (!config.isObject()) {
            throw new InvalidModelException(CONFIG + " is not a JSON object");
        }
        List<String> weightFiles = weightFiles(dir);
        if (weightFiles.isEmpty()) {
            throw new InvalidModelException("no safetensors weights (model.safetensors, a sharded "
                    + "model.safetensors.index.json or *.safetensors files next to config.json)");
        }
        long parameters = 0;
        for (String weights : weightFiles) {
            parameters += SafetensorsHeader.parameterCount(dir.resolve(weights), weights);
        }
        JsonNode architectures = config.path("architectures");
        String architecture = architectures.isArray() && !architectures.isEmpty()
                ? architectures.get(0).asString(null) : config.path("model_type").asString(null);
        return new ModelFacts(architecture, parameters, firstInt(config, "hidden_size", "n_embd", "d_model"),
                firstInt(config, "num_hidden_layers", "n_layer", "num_layers"));
    }

    private static List<String> weightFiles(Path dir) {
        if (Files.isRegularFile(dir.resolve(INDEX))) {
            JsonNode weightMap = readJson(dir, INDEX).path("weight_map");
            if (!weightMap.isObject()) {
                throw new InvalidModelException(INDEX + " has no weight_map object");
            }
            Set<String> shards = new LinkedHashSet<>();
            weightMap.values().forEach(v -> shards.add(v.asString()));
            for (String shard : shards) {
                if (!Files.isRegularFile(dir.resolve(shard).normalize()) || !dir.resolve(shard).normalize()
                        .startsWith(dir)) {
                    throw new InvalidModelException(INDEX + " names shard " + shard + ", which is missing");
                }
            }
            return List.copyOf(shards);
        }
        if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return List.of("model.safetensors");
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).sorted()
                    .toList();
        } catch (IOException e) {
            throw new InvalidModelException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode readJson(Path dir, String name) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException(name + " is missing");
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new InvalidModelException(name + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Integer firstInt(JsonNode config, String... names) {
        for (String name : names) {
            if (config.path(name).canConvertToInt()) {
                return config.path(name).asInt();
            }
        }
        return null;
    }
}
