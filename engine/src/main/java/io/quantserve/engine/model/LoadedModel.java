package io.quantserve.engine.model;

import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.linear.QuantizationConfig;
import io.quantserve.engine.linear.Unquantized;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A model folder opened for inference: its configs and the runnable model, with the mapped files it holds. */
public final class LoadedModel implements AutoCloseable {
    private final Path path;
    private final ModelConfig config;
    private final GenerationConfig generationConfig;
    private final LlamaModel model;
    private final AutoCloseable resources;

    private LoadedModel(Path path, ModelConfig config, GenerationConfig generationConfig, LlamaModel model,
            AutoCloseable resources) {
        this.path = path;
        this.config = config;
        this.generationConfig = generationConfig;
        this.model = model;
        this.resources = resources;
    }

    /** Opens a Hugging Face model folder (config.json + safetensors). Errors name the file and the problem. */
    public static LoadedModel open(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException(dir + ": no such file or directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": not a model folder");
        }
        ModelConfig config = ModelConfig.load(dir);
        GenerationConfig generation = GenerationConfig.load(dir);
        QuantizationConfig quant = Unquantized.INSTANCE;
        Checkpoint checkpoint = Checkpoint.open(dir);
        try {
            LlamaModel model = LlamaLoader.load(config, checkpoint, quant);
            return new LoadedModel(dir, config, generation, model, checkpoint);
        } catch (RuntimeException e) {
            checkpoint.close();
            throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    public ModelConfig config() {
        return config;
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    public LlamaModel model() {
        return model;
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }
}
