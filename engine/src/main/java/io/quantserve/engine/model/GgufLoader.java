package io.quantserve.engine.model;

import io.quantserve.engine.format.gguf.GgmlDequantizer;
import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.format.gguf.GgufFile;
import io.quantserve.engine.format.gguf.GgufFormatException;
import io.quantserve.engine.format.gguf.GgufTensor;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.linear.gguf.GgufLinear;
import io.quantserve.engine.linear.gguf.GgufLinears;
import io.quantserve.engine.linear.gguf.PermutedLinear;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.util.Arrays;

/**
 * Builds {@link LlamaWeights} from the tensors of a llama.cpp GGUF file ({@code token_embd.weight},
 * {@code blk.N.attn_q.weight}, ...), on the file's mapped bytes: float tensors on the dense kernels, block types on
 * {@link GgufLinear}. Llama files have their Q/K rows in llama.cpp's interleaved rotary order; they are read back in
 * the Hugging Face order the model uses. The file must stay open while the model is used.
 */
public final class GgufLoader {
    private GgufLoader() {
    }

    public static LlamaModel load(ModelConfig c, GgufFile f) {
        int hidden = c.hiddenSize();
        GgufTensor embd = tensor(f, "token_embd.weight", hidden, c.vocabSize());
        Embedding embedding = GgufLinear.supports(embd.type())
                ? new Embedding(new GgufLinear(embd.type(), embd.data(), hidden, c.vocabSize(), null))
                : new Embedding(new WeightMatrix(embd.data(), dtype(f, embd), c.vocabSize(), hidden));
        // llama.cpp permutes Q/K rows only for the Llama family (its "normal" rope); Qwen2/3 use NeoX rope = halves
        boolean interleaved = c.architecture() != Architecture.QWEN2 && c.architecture() != Architecture.QWEN3;

        LlamaWeights.Layer[] layers = new LlamaWeights.Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "blk." + i + ".";
            Linear q = linear(f, p + "attn_q", hidden, c.qDim(), c.attentionBias());
            Linear k = linear(f, p + "attn_k", hidden, c.kvDim(), c.attentionBias());
            if (interleaved) {
                q = new PermutedLinear(q, PermutedLinear.fromInterleavedRope(c.numHeads(), c.headDim()));
                k = new PermutedLinear(k, PermutedLinear.fromInterleavedRope(c.numKvHeads(), c.headDim()));
            }
            layers[i] = new LlamaWeights.Layer(
                    vector(f, p + "attn_norm.weight", hidden),
                    q,
                    k,
                    linear(f, p + "attn_v", hidden, c.kvDim(), c.attentionBias()),
                    c.qkNorm() ? vector(f, p + "attn_q_norm.weight", c.headDim()) : null,
                    c.qkNorm() ? vector(f, p + "attn_k_norm.weight", c.headDim()) : null,
                    linear(f, p + "attn_output", c.qDim(), hidden, false),
                    vector(f, p + "ffn_norm.weight", hidden),
                    linear(f, p + "ffn_gate", hidden, c.intermediateSize(), false),
                    linear(f, p + "ffn_up", hidden, c.intermediateSize(), false),
                    linear(f, p + "ffn_down", c.intermediateSize(), hidden, false));
        }
        Linear lmHead = linear(f, c.tieWordEmbeddings() ? "token_embd" : "output", hidden, c.vocabSize(), false);
        LlamaWeights weights = new LlamaWeights(embedding, layers, vector(f, "output_norm.weight", hidden), lmHead);
        return new LlamaModel(c, weights);
    }

    /** The tensor with ggml dims {@code [in, out]} of a type the engine can multiply, or an error naming both. */
    private static GgufTensor tensor(GgufFile f, String name, int in, int out) {
        GgufTensor t = f.tensor(name);
        if (!Arrays.equals(t.dims(), new long[] {in, out})) {
            throw new GgufFormatException(f.path(), "tensor " + name + " has dims " + Arrays.toString(t.dims())
                    + ", expected [" + in + ", " + out + "]");
        }
        if (!GgufLinear.supports(t.type()) && t.type() != GgmlType.F32 && t.type() != GgmlType.F16
                && t.type() != GgmlType.BF16) {
            throw new GgufFormatException(f.path(), "tensor " + name + " has type " + t.type()
                    + ", which is not supported (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)");
        }
        return t;
    }

    private static DType dtype(GgufFile f, GgufTensor t) {
        return switch (t.type()) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
            default -> throw new GgufFormatException(f.path(), "tensor " + t.name() + ": " + t.type() + " is not a float type");
        };
    }

    private static Linear linear(GgufFile f, String prefix, int in, int out, boolean bias) {
        GgufTensor w = tensor(f, prefix + ".weight", in, out);
        float[] b = bias ? vector(f, prefix + ".bias", out) : null;
        return GgufLinears.of(w.type(), w.data(), in, out, b);
    }

    /** A 1-D float tensor (norm weights, biases) as floats. */
    private static float[] vector(GgufFile f, String name, int size) {
        GgufTensor t = f.tensor(name);
        if (!Arrays.equals(t.dims(), new long[] {size})) {
            throw new GgufFormatException(f.path(), "tensor " + name + " has dims " + Arrays.toString(t.dims())
                    + ", expected [" + size + "]");
        }
        if (!GgmlDequantizer.supports(t.type())) {
            throw new GgufFormatException(f.path(), "tensor " + name + " has type " + t.type() + ", which is not supported");
        }
        float[] v = new float[size];
        GgmlDequantizer.dequantize(t.type(), t.data(), 0, v, 0, size);
        return v;
    }
}
