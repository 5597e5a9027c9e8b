package io.quantserve.engine.model;

import io.quantserve.engine.chat.ChatTemplate;
import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.linear.QuantizationConfig;
import io.quantserve.engine.linear.QuantizationConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/** A model folder opened for inference: its configs and the runnable model, with the mapped files it holds. */
public final class LoadedModel implements AutoCloseable {
    private final Path path;
    private final ModelConfig config;
    private final GenerationConfig generationConfig;
    private final LlamaModel model;
    private final Tokenizer tokenizer; // null when the folder has none
    private final ChatTemplate chatTemplate;
    private final AutoCloseable resources;

    private LoadedModel(Path path, ModelConfig config, GenerationConfig generationConfig, LlamaModel model,
            Tokenizer tokenizer, ChatTemplate chatTemplate, AutoCloseable resources) {
        this.path = path;
        this.config = config;
        this.generationConfig = generationConfig;
        this.model = model;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
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
        QuantizationConfig quant = QuantizationConfigs.load(dir);
        boolean hasTokenizer = Files.isRegularFile(dir.resolve("tokenizer.json"))
                || Files.isRegularFile(dir.resolve("tokenizer.model"));
        Tokenizer tokenizer = hasTokenizer ? Tokenizers.load(dir) : null;
        ChatTemplate chatTemplate = ChatTemplate.loadOrFallback(dir);
        Checkpoint checkpoint = Checkpoint.open(dir);
        try {
            LlamaModel model = LlamaLoader.load(config, checkpoint, quant);
            return new LoadedModel(dir, config, generation, model, tokenizer, chatTemplate, checkpoint);
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

    public Optional<Tokenizer> tokenizer() {
        return Optional.ofNullable(tokenizer);
    }

    /** The model's chat template, or a plain "role: content" fallback when it has none. */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** Every id that ends generation: config.json, generation_config.json and the tokenizer's EOS ids. */
    public Set<Integer> eosIds() {
        Set<Integer> ids = new LinkedHashSet<>(config.eosTokenIds());
        ids.addAll(generationConfig.eosTokenIds());
        if (tokenizer != null) {
            for (int id : tokenizer.eosIds()) {
                ids.add(id);
            }
        }
        return ids;
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }
}
