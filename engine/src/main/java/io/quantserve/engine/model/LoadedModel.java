package io.quantserve.engine.model;

import io.quantserve.engine.chat.ChatTemplate;
import io.quantserve.engine.format.gguf.GgufFile;
import io.quantserve.engine.format.gguf.GgufFormatException;
import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.linear.QuantizationConfig;
import io.quantserve.engine.linear.QuantizationConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A model folder opened for inference: its configs, tokenizer and chat template, with the mapped files it holds, and
 * the CPU model, built on first use: a node serving on the GPU reads the weights itself and never builds it (for an
 * AWQ model that would be a second, repacked copy of the weights in host memory).
 */
public final class LoadedModel implements AutoCloseable {
    private final Path path;
    private final ModelConfig config;
    private final GenerationConfig generationConfig;
    private final Supplier<LlamaModel> cpuModel;
    private LlamaModel model; // once built
    private final Tokenizer tokenizer; // null when the folder has none
    private final ChatTemplate chatTemplate;
    private final Checkpoint checkpoint; // null for a GGUF file
    private final AutoCloseable resources;

    private LoadedModel(Path path, ModelConfig config, GenerationConfig generationConfig, Supplier<LlamaModel> cpuModel,
            Tokenizer tokenizer, ChatTemplate chatTemplate, Checkpoint checkpoint, AutoCloseable resources) {
        this.path = path;
        this.config = config;
        this.generationConfig = generationConfig;
        this.cpuModel = cpuModel;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.checkpoint = checkpoint;
        this.resources = resources;
    }

    /**
     * Opens a Hugging Face model folder (config.json + safetensors) or a llama.cpp {@code .gguf} file: configs,
     * tokenizer and chat template are read now, the weights when {@link #model()} first builds the CPU model. Errors
     * name the file and the problem.
     */
    public static LoadedModel open(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException(dir + ": no such file or directory");
        }
        if (Files.isRegularFile(dir) && dir.getFileName().toString().endsWith(".gguf")) {
            return openGguf(dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": not a model folder or .gguf file");
        }
        Path gguf = singleGguf(dir);
        if (gguf != null) {
            return openGguf(gguf);
        }
        ModelConfig config = ModelConfig.load(dir);
        GenerationConfig generation = GenerationConfig.load(dir);
        QuantizationConfig quant = QuantizationConfigs.load(dir);
        boolean hasTokenizer = Files.isRegularFile(dir.resolve("tokenizer.json"))
                || Files.isRegularFile(dir.resolve("tokenizer.model"));
        Tokenizer tokenizer = hasTokenizer ? Tokenizers.load(dir) : null;
        ChatTemplate chatTemplate = ChatTemplate.loadOrFallback(dir);
        Checkpoint checkpoint = Checkpoint.open(dir);
        return new LoadedModel(dir, config, generation, () -> LlamaLoader.load(config, checkpoint, quant), tokenizer,
                chatTemplate, checkpoint, checkpoint);
    }

    /**
     * A GGUF file: config from its metadata, tokenizer and chat template from {@code tokenizer.*} when present, no
     * generation config. The file stays mapped until {@link #close()}.
     */
    private static LoadedModel openGguf(Path file) throws IOException {
        GgufFile gguf = GgufFile.open(file);
        try {
            ModelConfig config = GgufModelConfig.from(gguf);
            Tokenizer tokenizer = gguf.contains("tokenizer.ggml.model") ? Tokenizers.fromGguf(gguf) : null;
            List<String> tokens = gguf.contains("tokenizer.ggml.tokens") ? gguf.getStringList("tokenizer.ggml.tokens") : List.of();
            String bos = tokenText(tokens, config.bosTokenId());
            String eos = config.eosTokenIds().isEmpty() ? null : tokenText(tokens, config.eosTokenIds().get(0));
            ChatTemplate chatTemplate = gguf.findString("tokenizer.chat_template")
                    .map(t -> ChatTemplate.of(t, bos, eos))
                    .orElseGet(() -> ChatTemplate.fallback(bos, eos));
            return new LoadedModel(file, config, GenerationConfig.none(), () -> GgufLoader.load(config, gguf), tokenizer,
                    chatTemplate, null, gguf);
        } catch (RuntimeException e) {
            gguf.close();
            if (e instanceof GgufFormatException) {
                throw e; // already names the file
            }
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** A folder with no config.json and exactly one .gguf (how GGUF artifacts are stored) stands for that file. */
    private static Path singleGguf(Path dir) throws IOException {
        if (Files.exists(dir.resolve("config.json"))) {
            return null;
        }
        try (var files = Files.list(dir)) {
            List<Path> ggufs = files.filter(f -> f.getFileName().toString().endsWith(".gguf")).toList();
            return ggufs.size() == 1 ? ggufs.get(0) : null;
        }
    }

    private static String tokenText(List<String> tokens, int id) {
        return id >= 0 && id < tokens.size() ? tokens.get(id) : null;
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

    /**
     * The CPU model, built from the weights on the first call (AWQ, GPTQ and Q4_0 layers repacked, float layers read
     * from the mapped files).
     *
     * @throws IllegalArgumentException naming the file when a tensor is missing, misshapen or of a type or
     *                                  quantization layout the engine cannot run
     */
    public synchronized LlamaModel model() {
        if (model == null) {
            try {
                model = cpuModel.get();
            } catch (GgufFormatException e) {
                throw e; // already names the file
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
            }
        }
        return model;
    }

    /**
     * The safetensors checkpoint of a Hugging Face folder, mapped while this model is open (what the GPU backend
     * uploads from); empty for a GGUF file.
     */
    public Optional<Checkpoint> checkpoint() {
        return Optional.ofNullable(checkpoint);
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
