package io.quantserve.engine.bench;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * A model's tensors, named the Hugging Face way, made on request from random numbers in off-heap memory: lets
 * benchmarks run real model shapes without a download. Weights are uniform in ±1/sqrt(fan-in), norms are 1.
 */
public final class RandomTensors implements TensorSource {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final ModelConfig config;
    private final DType dtype;
    private final long seed;
    private final Arena arena;

    /** Tensors are allocated in {@code arena}, which the caller closes when the model is no longer used. */
    public RandomTensors(ModelConfig config, DType dtype, long seed, Arena arena) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("random weights are F32, F16 or BF16, not " + dtype);
        }
        this.config = config;
        this.dtype = dtype;
        this.seed = seed;
        this.arena = arena;
    }

    @Override
    public Optional<Tensor> find(String name) {
        long[] shape = shapeOf(name);
        if (shape == null) {
            return Optional.empty();
        }
        boolean norm = name.endsWith("norm.weight");
        DType type = norm ? DType.F32 : dtype;
        long elements = shape[0] * (shape.length > 1 ? shape[1] : 1);
        MemorySegment data = arena.allocate(elements * type.bytes(), 64);
        if (norm) {
            for (long i = 0; i < elements; i++) {
                data.setAtIndex(F32, i, 1f);
            }
        } else {
            fill(data, type, elements, (float) (1 / Math.sqrt(shape[shape.length - 1])), seed ^ name.hashCode());
        }
        return Optional.of(new Tensor(name, type, shape, data));
    }

    @Override
    public Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("synthetic model has no tensor '" + name + "'"));
    }

    private long[] shapeOf(String name) {
        ModelConfig c = config;
        long hidden = c.hiddenSize();
        Matcher m = LAYER.matcher(name);
        String local = m.matches() && Integer.parseInt(m.group(1)) < c.numLayers() ? m.group(2) : null;
        if (local != null) {
            return switch (local) {
                case "input_layernorm.weight", "post_attention_layernorm.weight" -> new long[] {hidden};
                case "self_attn.q_proj.weight" -> new long[] {c.qDim(), hidden};
                case "self_attn.k_proj.weight", "self_attn.v_proj.weight" -> new long[] {c.kvDim(), hidden};
                case "self_attn.o_proj.weight" -> new long[] {hidden, c.qDim()};
                case "mlp.gate_proj.weight", "mlp.up_proj.weight" -> new long[] {c.intermediateSize(), hidden};
                case "mlp.down_proj.weight" -> new long[] {hidden, c.intermediateSize()};
                case "self_attn.q_norm.weight", "self_attn.k_norm.weight" -> c.qkNorm() ? new long[] {c.headDim()} : null;
                default -> null;
            };
        }
        return switch (name) {
            case "model.embed_tokens.weight" -> new long[] {c.vocabSize(), hidden};
            case "lm_head.weight" -> c.tieWordEmbeddings() ? null : new long[] {c.vocabSize(), hidden};
            case "model.norm.weight" -> new long[] {hidden};
            default -> null;
        };
    }

    /** Fills in parallel, one independent random stream per 1M-element block, so the result is reproducible. */
    private static void fill(MemorySegment data, DType type, long elements, float bound, long seed) {
        int block = 1 << 20;
        int blocks = (int) ((elements + block - 1) / block);
        IntStream.range(0, blocks).parallel().forEach(b -> {
            SplittableRandom random = new SplittableRandom(seed * 31 + b);
            long end = Math.min(elements, (long) (b + 1) * block);
            for (long i = (long) b * block; i < end; i++) {
                float v = (float) ((random.nextDouble() * 2 - 1) * bound);
                switch (type) {
                    case F32 -> data.setAtIndex(F32, i, v);
                    case F16 -> data.setAtIndex(I16, i, Float.floatToFloat16(v));
                    default -> data.setAtIndex(I16, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                }
            }
        });
    }

}
