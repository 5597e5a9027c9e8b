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
 *
 * <p>{@link #withAwq} writes every decoder linear layer as an AutoAWQ 4-bit gemm checkpoint does instead
 * ({@code qweight} int32 [in, out/8], {@code qzeros} int32 [in/G, out/8], fp16 {@code scales} [in/G, out], and
 * {@code quantization_config} in config.json): random codes and zero points, scales uniform in
 * [0.5, 1.5] / (8 sqrt(in)), so a weight's spread (codes minus zeros span ±15) is again about 1/sqrt(in). The other
 * tensors are then fp16, as AWQ models are. Lets a GPU node serve a 7B-sized AWQ model with no download and no
 * quantization run.
 */
public final class SyntheticCheckpoint {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final int BLOCK_ELEMENTS = 1 << 16;

    /** How a tensor's values are made. */
    enum Fill {
        /** uniform in ±1/sqrt(last dimension) */
        RANDOM,
        ONES,
        ZEROS,
        /** random 32-bit words (eight 4-bit codes each): AWQ qweight and qzeros */
        RANDOM_BITS,
        /** uniform in [0.5, 1.5] times the spec's scale: AWQ scales */
        SCALES
    }

    /** One tensor of the checkpoint, named the Hugging Face way, of {@code dtype}, filled as {@code fill} says. */
    record TensorSpec(String name, long[] shape, DType dtype, Fill fill, double scale) {
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
    private final int awqGroup;   // 0: float linear layers

    public SyntheticCheckpoint(ModelConfig config, DType dtype, long seed) {
        this(config, dtype, seed, null, 0);
    }

    private SyntheticCheckpoint(ModelConfig config, DType dtype, long seed, Path tokenizer, int awqGroup) {
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("synthetic weights are f32, bf16 or f16, not " + dtype);
        }
        if (awqGroup != 0 && dtype != DType.F16) {
            throw new IllegalArgumentException("an AWQ checkpoint's other tensors are f16, not " + dtype);
        }
        if (config.ropeScaling() instanceof RopeScaling.Factors) {
            throw new IllegalArgumentException("per-pair rope frequency factors have no config.json form");
        }
        this.config = config;
        this.dtype = dtype;
        this.seed = seed;
        this.tokenizer = tokenizer;
        this.awqGroup = awqGroup;
    }

    /** The same checkpoint with a copy of {@code file} (a {@code tokenizer.json} or SentencePiece {@code .model}). */
    public SyntheticCheckpoint withTokenizer(Path file) {
        return new SyntheticCheckpoint(config, dtype, seed, file, awqGroup);
    }

    /**
     * The same checkpoint with its decoder linear layers in AutoAWQ's 4-bit gemm layout, groups of {@code groupSize}
     * input channels (see the class comment); f16 for the rest.
     */
    public SyntheticCheckpoint withAwq(int groupSize) {
        if (groupSize < 8 || Integer.bitCount(groupSize) != 1) {
            throw new IllegalArgumentException("AWQ group size " + groupSize + ": a power of two of at least 8");
        }
        ModelConfig c = config;
        for (int in : new int[] {c.hiddenSize(), c.qDim(), c.intermediateSize()}) {
            if (in % groupSize != 0) {
                throw new IllegalArgumentException("AWQ group size " + groupSize + " does not divide the input size " + in);
            }
        }
        for (int out : new int[] {c.qDim(), c.kvDim(), c.hiddenSize(), c.intermediateSize()}) {
            if (out % 8 != 0) {
                throw new IllegalArgumentException("AWQ packs 8 outputs per int32: output size " + out + " is not a multiple of 8");
            }
        }
        return new SyntheticCheckpoint(config, DType.F16, seed, tokenizer, groupSize);
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
            linear(specs, p + "self_attn.q_proj", c.qDim(), hidden);
            linear(specs, p + "self_attn.k_proj", c.kvDim(), hidden);
            linear(specs, p + "self_attn.v_proj", c.kvDim(), hidden);
            if (c.attentionBias()) {
                specs.add(zero(p + "self_attn.q_proj.bias", c.qDim()));
                specs.add(zero(p + "self_attn.k_proj.bias", c.kvDim()));
                specs.add(zero(p + "self_attn.v_proj.bias", c.kvDim()));
            }
            if (c.qkNorm()) {
                specs.add(unit(p + "self_attn.q_norm.weight", c.headDim()));
                specs.add(unit(p + "self_attn.k_norm.weight", c.headDim()));
            }
            linear(specs, p + "self_attn.o_proj", hidden, c.qDim());
            specs.add(unit(p + "post_attention_layernorm.weight", hidden));
            linear(specs, p + "mlp.gate_proj", c.intermediateSize(), hidden);
            linear(specs, p + "mlp.up_proj", c.intermediateSize(), hidden);
            linear(specs, p + "mlp.down_proj", hidden, c.intermediateSize());
        }
        specs.add(unit("model.norm.weight", hidden));
        if (!c.tieWordEmbeddings()) {
            specs.add(weight("lm_head.weight", c.vocabSize(), hidden));
        }
        return specs;
    }

    /** A decoder linear layer [out, in]: one float weight, or AWQ's qweight, qzeros and scales. */
    private void linear(List<TensorSpec> specs, String name, long out, long in) {
        if (awqGroup == 0) {
            specs.add(weight(name + ".weight", out, in));
            return;
        }
        long groups = in / awqGroup;
        specs.add(new TensorSpec(name + ".qweight", new long[] {in, out / 8}, DType.I32, Fill.RANDOM_BITS, 0));
        specs.add(new TensorSpec(name + ".qzeros", new long[] {groups, out / 8}, DType.I32, Fill.RANDOM_BITS, 0));
        specs.add(new TensorSpec(name + ".scales", new long[] {groups, out}, DType.F16, Fill.SCALES,
                1 / (8 * Math.sqrt(in))));
    }

    /** Weights of the model (an AWQ qweight word holds 8; AWQ zeros and scales are not counted). */
    public long parameters() {
        return tensors().stream().mapToLong(t -> t.name().endsWith(".qweight") ? 8 * t.elements()
                : t.name().endsWith(".qzeros") || t.name().endsWith(".scales") ? 0 : t.elements()).sum();
    }

    /** Size of model.safetensors' data section. */
    public long weightBytes() {
        return tensors().stream().mapToLong(t -> t.elements() * t.dtype().bytes()).sum();
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
            writeConfig(config, dtype, awqGroup == 0 ? null : awqConfig(), temp);
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
        if (tokenizer.getFileName().toString().endsWith(".gguf")) {  // copied as the folder's tokenizer file
            throw new IllegalArgumentException(tokenizer + ": a synthetic model folder takes a tokenizer.json or a "
                    + "SentencePiece tokenizer.model, copied in as it is, not a .gguf");
        }
        Tokenizer tok = Tokenizers.fromFile(tokenizer);
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
        writeConfig(c, dtype, null, dir);
    }

    /** As above, with a {@code quantization_config} section unless it is null. */
    private static void writeConfig(ModelConfig c, DType dtype, Map<String, Object> quantization, Path dir)
            throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("architectures", List.of(c.architecture().hfName()));
        json.put("model_type", switch (c.architecture()) {
            case LLAMA -> "llama";
            case MISTRAL -> "mistral";
            case QWEN2 -> "qwen2";
            case QWEN3 -> "qwen3";
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
        if (quantization != null) {
            json.put("quantization_config", quantization);
        }
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(json));
    }

    /** AutoAWQ's quantization_config, as transformers writes it into config.json. */
    private Map<String, Object> awqConfig() {
        return ordered("quant_method", "awq", "bits", 4, "group_size", awqGroup, "zero_point", true, "version", "gemm",
                "modules_to_not_convert", null);
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
            writer.add(spec.name(), spec.dtype(), spec.shape(), out -> fill(spec, out));
        }
        writer.write(file);
    }

    /** Streams one tensor's values in blocks; each tensor has its own random stream, so order does not matter. */
    private void fill(TensorSpec spec, OutputStream out) throws IOException {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + spec.name().hashCode());
        double bound = 1 / Math.sqrt(spec.shape()[spec.shape().length - 1]);
        DType type = spec.dtype();
        ByteBuffer block = ByteBuffer.allocate(BLOCK_ELEMENTS * type.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        long remaining = spec.elements();
        while (remaining > 0) {
            int n = (int) Math.min(remaining, BLOCK_ELEMENTS);
            block.clear();
            for (int i = 0; i < n; i++) {
                if (spec.fill() == Fill.RANDOM_BITS) {
                    block.putInt(random.nextInt());
                    continue;
                }
                float v = switch (spec.fill()) {
                    case ONES -> 1f;
                    case ZEROS -> 0f;
                    case SCALES -> (float) ((0.5 + random.nextDouble()) * spec.scale());
                    default -> (float) ((random.nextDouble() * 2 - 1) * bound);
                };
                switch (type) {
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

    private TensorSpec weight(String name, long rows, long columns) {
        return new TensorSpec(name, new long[] {rows, columns}, dtype, Fill.RANDOM, 0);
    }

    private TensorSpec unit(String name, long size) {
        return new TensorSpec(name, new long[] {size}, dtype, Fill.ONES, 0);
    }

    private TensorSpec zero(String name, long size) {
        return new TensorSpec(name, new long[] {size}, dtype, Fill.ZEROS, 0);
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
