package io.quantserve.engine.bench;

import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.linear.DenseLinear;
import io.quantserve.engine.linear.GroupIntLinear;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.linear.QuantizationConfig;
import io.quantserve.engine.linear.Unquantized;
import io.quantserve.engine.linear.bnb.Nf4Linears;
import io.quantserve.engine.linear.compressed.W8A8Linears;
import io.quantserve.engine.linear.gguf.GgufLinears;
import io.quantserve.engine.model.LlamaLoader;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;

/**
 * The weight formats {@code ./quantserve bench --weights} knows, each building a synthetic model of a given shape.
 * Float formats store every tensor in that type (tied embeddings stay tied). Packed formats quantize every linear
 * layer; the output head is packed too for GGUF types (as llama.cpp files do) and BF16 for the Hugging Face formats
 * (AutoAWQ, GPTQ, bitsandbytes and compressed-tensors leave lm_head unquantized).
 */
public final class BenchWeights {
    public static final List<String> NAMES = List.of("f32", "bf16", "f16", "q8_0", "q4_0", "awq4", "gptq4", "nf4", "w8a8");

    private BenchWeights() {
    }

    /** A model of {@code config}'s shape in {@code format}; {@code arena} owns its off-heap tensors. */
    public static LlamaModel build(String format, ModelConfig config, Arena arena) {
        return switch (format.toLowerCase(Locale.ROOT)) {
            case "f32" -> floatModel(config, DType.F32, arena);
            case "bf16" -> floatModel(config, DType.BF16, arena);
            case "f16" -> floatModel(config, DType.F16, arena);
            case "q8_0" -> gguf(config, GgmlType.Q8_0, arena);
            case "q4_0" -> gguf(config, GgmlType.Q4_0, arena);
            // AWQ and GPTQ checkpoints load into the same packed layout: 4-bit, groups of 128, zero points
            case "awq4", "gptq4" -> huggingFace(config, format, (w, out, in) -> GroupIntLinear.quantize(w, out, in, 4, 128), arena);
            case "nf4" -> huggingFace(config, "nf4", Nf4Linears::quantize, arena);
            case "w8a8" -> huggingFace(config, "w8a8", W8A8Linears::quantize, arena);
            default -> throw new IllegalArgumentException("--weights: unknown weight format '" + format
                    + "' (known: " + String.join(", ", NAMES) + ")");
        };
    }

    private static LlamaModel floatModel(ModelConfig config, DType dtype, Arena arena) {
        return LlamaLoader.load(config, new RandomTensors(config, dtype, 42, arena), Unquantized.INSTANCE);
    }

    private static LlamaModel gguf(ModelConfig config, GgmlType type, Arena arena) {
        RandomPackedWeights.Packer packer = (w, out, in) -> GgufLinears.quantize(type, w, out, in);
        return packed(config, new RandomPackedWeights(type.name().toLowerCase(Locale.ROOT), packer, packer), arena);
    }

    private static LlamaModel huggingFace(ModelConfig config, String name, RandomPackedWeights.Packer layers, Arena arena) {
        return packed(config, new RandomPackedWeights(name, layers, (w, out, in) -> bf16(w, out, in, arena)), arena);
    }

    /** Keeps the layer in BF16: the head of Hugging Face quantized checkpoints. */
    private static Linear bf16(float[] w, int out, int in, Arena arena) {
        MemorySegment data = arena.allocate((long) w.length * 2, 64);
        ValueLayout.OfShort i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < w.length; i++) {
            data.setAtIndex(i16, i, (short) (Float.floatToRawIntBits(w[i]) >>> 16));
        }
        return new DenseLinear(new WeightMatrix(data, DType.BF16, out, in), null);
    }

    /** Packed models have their own head, so the shape is untied; embeddings are BF16 (one row read per token). */
    private static LlamaModel packed(ModelConfig config, QuantizationConfig quant, Arena arena) {
        ModelConfig untied = config.withTiedEmbeddings(false);
        return LlamaLoader.load(untied, new RandomTensors(untied, DType.BF16, 42, arena), quant);
    }
}
