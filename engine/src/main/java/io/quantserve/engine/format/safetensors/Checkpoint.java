package io.quantserve.engine.format.safetensors;

import io.quantserve.engine.format.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The weights of a Hugging Face model folder: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json} ({"weight_map": {tensor: file}}). All shards stay mapped until close.
 */
public final class Checkpoint implements TensorSource, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<SafetensorsFile> files;
    private final Map<String, Tensor> tensors;

    private Checkpoint(Path dir, List<SafetensorsFile> files, Map<String, Tensor> tensors) {
        this.dir = dir;
        this.files = files;
        this.tensors = tensors;
    }

    public static Checkpoint open(Path dir) throws IOException {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        List<Path> shards = new ArrayList<>();
        if (Files.isRegularFile(index)) {
            shards.addAll(shardsOf(index));
        } else if (Files.isRegularFile(single)) {
            shards.add(single);
        } else {
            throw new IllegalArgumentException(dir + ": no model.safetensors or model.safetensors.index.json");
        }
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try {
            for (Path shard : shards) {
                SafetensorsFile file = SafetensorsFile.open(shard);
                files.add(file);
                tensors.putAll(file.tensors());
            }
        } catch (IOException | RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
        return new Checkpoint(dir, files, tensors);
    }

    private static List<Path> shardsOf(Path index) throws IOException {
        JsonNode weightMap;
        try {
            weightMap = JSON.readTree(index.toFile()).get("weight_map");
        } catch (JacksonException e) {
            throw new IllegalArgumentException(index + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (weightMap == null || !weightMap.isObject()) {
            throw new IllegalArgumentException(index + ": missing \"weight_map\" object");
        }
        List<Path> shards = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            Path shard = index.resolveSibling(e.getValue().asString());
            if (!shards.contains(shard)) {
                if (!Files.isRegularFile(shard)) {
                    throw new IllegalArgumentException(index + ": shard " + shard.getFileName()
                            + " (for tensor '" + e.getKey() + "') does not exist");
                }
                shards.add(shard);
            }
        }
        return shards;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    @Override
    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The tensor, or an error naming it and the folder. */
    @Override
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(dir + ": missing tensor '" + name + "'");
        }
        return t;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
