package io.quantserve.engine.bench;

import io.quantserve.engine.format.safetensors.SafetensorsWriter;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.model.RopeScaling;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Hugging Face model folder ({@code config.json}, {@code model.safetensors}, {@code generation_config.json}, and a
 * tokenizer when given) with random weights of a given shape: lets serving benchmarks and tests load a model of a real
 * size without a download. Weights are uniform in ±1/sqrt(fan-in) so activations keep their scale through the layers;
 * norms are 1 and biases 0. The same config and seed give the same bytes. Tensors are generated while the file is
 * written, so the size is bounded by the disk, not the heap.
 */
public final class SyntheticCheckpoint {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final int BLOCK_ELEMENTS = 1 << 16;

    /** One tensor of the checkpoint, named the Hugging Face way; {@code unit}: all ones, {@code zero}: all zeros. */
    record TensorSpec(String name, long[] shape, boolean unit, boolean zero) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final ModelConfig config;
    private final DType dtype;
    private final long seed;
    private final Path tokenizer; // null: the folder gets no tokenizer

    public SyntheticCheckpoint(ModelConfig config, DType dtype, long seed) {
        this(config, dtype, seed, null);
    }

    private SyntheticCheckpoint(ModelConfig config, DType dtype, long seed, Path tokenizer) {
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("synthetic weights are f32, bf16 or f16, not " + dtype);
        }
        if (config.ropeScaling() instanceof RopeScaling.Factors) {
            throw new IllegalArgumentException("per-pair rope frequency factors have no config.json form");
        }
        this.config = config;
        this.dtype = dtype;
        this.seed = seed;
        this.tokenizer = tokenizer;
    }

    /** The same checkpoint with a copy of {@code file} (a {@code tokenizer.json} or SentencePiece {@code .model}). */
    public SyntheticCheckpoint withTokenizer(Path file) {
        return new SyntheticCheckpoint(config, dtype, seed, file);
    }

    public ModelConfig config() {
        return config;
    }

    /** Every tensor the model loader reads, in file order. */
    List<TensorSpec> tensors() {
        ModelConfig c = config;
        long hidden = c.hiddenSize();
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(weight("model.embed_tokens.weight", c.vocabSize(), hidden));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            specs.add(unit(p + "input_layernorm.weight", hidden));
            specs.add(weight(p + "self_attn.q_proj.weight", c.qDim(), hidden));
            specs.add(weight(p + "self_attn.k_proj.weight", c.kvDim(), hidden));
            specs.add(weight(p + "self_attn.v_proj.weight", c.kvDim(), hidden));
            if (c.attentionBias()) {
                specs.add(new TensorSpec(p + "self_attn.q_proj.bias", new long[] {c.qDim()}, false, true));
                specs.add(new TensorSpec(p + "self_attn.k_proj.bias", new long[] {c.kvDim()}, false, true));
                specs.add(new TensorSpec(p + "self_attn.v_proj.bias", new long[] {c.kvDim()}, false, true));
            }
            specs.add(weight(p + "self_attn.o_proj.weight", hidden, c.qDim()));
            specs.add(unit(p + "post_attention_layernorm.weight", hidden));
            specs.add(weight(p + "mlp.gate_proj.weight", c.intermediateSize(), hidden));
            specs.add(weight(p + "mlp.up_proj.weight", c.intermediateSize(), hidden));
            specs.add(weight(p + "mlp.down_proj.weight", hidden, c.intermediateSize()));
        }
        specs.add(unit("model.norm.weight", hidden));
        if (!c.tieWordEmbeddings()) {
            specs.add(weight("lm_head.weight", c.vocabSize(), hidden));
        }
        return specs;
    }

    public long parameters() {
        return tensors().stream().mapToLong(TensorSpec::elements).sum();
    }

    /** Size of model.safetensors' data section. */
    public long weightBytes() {
        return parameters() * dtype.bytes();
    }

    /**
     * Writes the folder {@code target}, which must not exist or be empty: everything goes to a temporary folder beside
     * it that is renamed when complete, so no reader sees a half-written model.
     */
    public Path write(Path target) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.exists(absolute) && !isEmptyDirectory(absolute)) {
            throw new IllegalArgumentException(target + ": already exists and is not an empty folder");
        }
        if (tokenizer != null) {
            checkTokenizer();
        }
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        long free = Files.getFileStore(parent).getUsableSpace();
        if (free < weightBytes() + (64 << 20)) {
            throw new IllegalArgumentException(target + ": needs " + megabytes(weightBytes()) + " MB of disk, "
                    + megabytes(free) + " MB free");
        }
        Path temp = Files.createTempDirectory(parent, "." + absolute.getFileName() + ".partial-");
        try {
            writeConfig(config, dtype, temp);
            writeGenerationConfig(temp);
            writeWeights(temp.resolve("model.safetensors"));
            if (tokenizer != null) {
                copyTokenizer(temp);
            }
            makeReadable(temp);
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
            } catch (DirectoryNotEmptyException e) {
                throw new IllegalArgumentException(target + ": became non-empty while the model was written");
            }
            return target;
        } finally {
            deleteTree(temp);
        }
    }

    /** Loads the tokenizer file to check that its ids are exactly the model's vocabulary. */
    private void checkTokenizer() throws IOException {
        if (!Files.isRegularFile(tokenizer)) {
            throw new IllegalArgumentException(tokenizer + ": no such file");
        }
        String name = tokenizer.getFileName().toString();
        Tokenizer tok;
        if (name.endsWith(".json")) {
            tok = Tokenizers.fromTokenizerJson(tokenizer);
        } else if (name.endsWith(".model")) {
            tok = Tokenizers.fromSentencePieceModel(tokenizer);
        } else {
            throw new IllegalArgumentException(tokenizer + ": not a tokenizer (expected tokenizer.json or a "
                    + "SentencePiece tokenizer.model)");
        }
        if (tok.vocabSize() != config.vocabSize()) {
            throw new IllegalArgumentException(tokenizer + ": has " + tok.vocabSize() + " token ids but the model's "
                    + "vocab_size is " + config.vocabSize() + " (pick a shape with the tokenizer's vocabulary)");
        }
    }

    /** The tokenizer under its Hugging Face name, with the tokenizer_config.json beside it (BOS/EOS, chat template). */
    private void copyTokenizer(Path dir) throws IOException {
        String name = tokenizer.getFileName().toString().endsWith(".json") ? "tokenizer.json" : "tokenizer.model";
        Files.copy(tokenizer, dir.resolve(name));
        Path tokenizerConfig = tokenizer.toAbsolutePath().getParent().resolve("tokenizer_config.json");
        if (Files.isRegularFile(tokenizerConfig)) {
            Files.copy(tokenizerConfig, dir.resolve("tokenizer_config.json"));
        }
    }

    /** The config.json fields {@link ModelConfig#load} reads, with the values of {@code config}. */
    static void writeConfig(ModelConfig c, DType dtype, Path dir) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("architectures", List.of(c.architecture().hfName()));
        json.put("model_type", switch (c.architecture()) {
            case LLAMA -> "llama";
            case MISTRAL -> "mistral";
            case QWEN2 -> "qwen2";
        });
        json.put("hidden_size", c.hiddenSize());
        json.put("intermediate_size", c.intermediateSize());
        json.put("num_hidden_layers", c.numLayers());
        json.put("num_attention_heads", c.numHeads());
        json.put("num_key_value_heads", c.numKvHeads());
        json.put("head_dim", c.headDim());
        json.put("vocab_size", c.vocabSize());
        json.put("hidden_act", "silu");
        json.put("rms_norm_eps", Double.parseDouble(Float.toString(c.rmsNormEps()))); // 1e-5, not 9.99999974e-6
        json.put("rope_theta", c.ropeTheta());
        json.put("rope_scaling", switch (c.ropeScaling()) {
            case RopeScaling.None n -> null;
            case RopeScaling.Linear l -> ordered("rope_type", "linear", "factor", l.factor());
            case RopeScaling.Llama3 l -> ordered("rope_type", "llama3", "factor", l.factor(),
                    "low_freq_factor", l.lowFreqFactor(), "high_freq_factor", l.highFreqFactor(),
                    "original_max_position_embeddings", l.originalMaxPositions());
            case RopeScaling.Factors f -> throw new IllegalArgumentException("rope factors have no config.json form");
        });
        json.put("max_position_embeddings", c.maxPositions());
        json.put("tie_word_embeddings", c.tieWordEmbeddings());
        json.put("attention_bias", c.attentionBias());
        json.put("mlp_bias", false);
        if (c.slidingWindow() > 0) {
            json.put("sliding_window", c.slidingWindow());
            json.put("use_sliding_window", true);
        }
        json.put("bos_token_id", c.bosTokenId());
        json.put("eos_token_id", c.eosTokenIds().size() == 1 ? c.eosTokenIds().get(0) : c.eosTokenIds());
        json.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            default -> "bfloat16";
        });
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(json));
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private void writeGenerationConfig(Path dir) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bos_token_id", config.bosTokenId());
        json.put("eos_token_id", config.eosTokenIds().size() == 1 ? config.eosTokenIds().get(0) : config.eosTokenIds());
        Files.writeString(dir.resolve("generation_config.json"), JSON.writeValueAsString(json));
    }

    private void writeWeights(Path file) throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter()
                .metadata("format", "pt")
                .metadata("quantserve.synthetic.seed", Long.toString(seed));
        for (TensorSpec spec : tensors()) {
            writer.add(spec.name(), dtype, spec.shape(), out -> fill(spec, out));
        }
        writer.write(file);
    }

    /** Streams one tensor's values in blocks; each tensor has its own random stream, so order does not matter. */
    private void fill(TensorSpec spec, OutputStream out) throws IOException {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + spec.name().hashCode());
        double bound = 1 / Math.sqrt(spec.shape()[spec.shape().length - 1]);
        ByteBuffer block = ByteBuffer.allocate(BLOCK_ELEMENTS * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        long remaining = spec.elements();
        while (remaining > 0) {
            int n = (int) Math.min(remaining, BLOCK_ELEMENTS);
            block.clear();
            for (int i = 0; i < n; i++) {
                float v = spec.unit() ? 1f : spec.zero() ? 0f : (float) ((random.nextDouble() * 2 - 1) * bound);
                switch (dtype) {
                    case F32 -> block.putFloat(v);
                    case F16 -> block.putShort(Float.floatToFloat16(v));
                    default -> block.putShort(bfloat16(v));
                }
            }
            out.write(block.array(), 0, block.position());
            remaining -= n;
        }
    }

    /** Round to nearest even, as torch does when casting to bfloat16 (the values are finite). */
    private static short bfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    private static TensorSpec weight(String name, long rows, long columns) {
        return new TensorSpec(name, new long[] {rows, columns}, false, false);
    }

    private static TensorSpec unit(String name, long size) {
        return new TensorSpec(name, new long[] {size}, true, false);
    }

    /**
     * Temporary folders and files are created owner-only; a model folder is for other users and containers to read
     * too, as a folder written with the usual umask would be.
     */
    private static void makeReadable(Path dir) throws IOException {
        if (!Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static long megabytes(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
