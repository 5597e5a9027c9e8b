package io.quantserve.engine.model;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.linear.QuantizationConfig;
import io.quantserve.engine.linear.Unquantized;

/** Builds {@link LlamaWeights} from tensors named the Hugging Face way ({@code model.layers.N.self_attn.q_proj}). */
public final class LlamaLoader {
    private LlamaLoader() {
    }

    public static LlamaModel load(ModelConfig c, TensorSource source, QuantizationConfig quant) {
        int hidden = c.hiddenSize();
        Tensor embed = source.tensor("model.embed_tokens.weight").requireShape(c.vocabSize(), hidden);
        Embedding embedding = new Embedding(Unquantized.matrix(embed));

        LlamaWeights.Layer[] layers = new LlamaWeights.Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i;
            layers[i] = new LlamaWeights.Layer(
                    norm(source, p + ".input_layernorm.weight", hidden),
                    linear(source, quant, p + ".self_attn.q_proj", hidden, c.qDim()),
                    linear(source, quant, p + ".self_attn.k_proj", hidden, c.kvDim()),
                    linear(source, quant, p + ".self_attn.v_proj", hidden, c.kvDim()),
                    c.qkNorm() ? norm(source, p + ".self_attn.q_norm.weight", c.headDim()) : null,
                    c.qkNorm() ? norm(source, p + ".self_attn.k_norm.weight", c.headDim()) : null,
                    linear(source, quant, p + ".self_attn.o_proj", c.qDim(), hidden),
                    norm(source, p + ".post_attention_layernorm.weight", hidden),
                    linear(source, quant, p + ".mlp.gate_proj", hidden, c.intermediateSize()),
                    linear(source, quant, p + ".mlp.up_proj", hidden, c.intermediateSize()),
                    linear(source, quant, p + ".mlp.down_proj", c.intermediateSize(), hidden));
        }

        // tied embeddings reuse the input table as the output head
        Linear lmHead = c.tieWordEmbeddings()
                ? Unquantized.INSTANCE.load(source, "model.embed_tokens", hidden, c.vocabSize())
                : linear(source, quant, "lm_head", hidden, c.vocabSize());
        LlamaWeights weights = new LlamaWeights(embedding, layers, norm(source, "model.norm.weight", hidden), lmHead);
        return new LlamaModel(c, weights);
    }

    private static Linear linear(TensorSource source, QuantizationConfig quant, String prefix, int in, int out) {
        return quant.linearMethod(prefix).load(source, prefix, in, out);
    }

    private static float[] norm(TensorSource source, String name, int size) {
        return source.tensor(name).requireShape(size).toFloatArray();
    }
}
