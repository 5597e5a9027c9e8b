package io.quantserve.engine.quant;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.model.LlamaWeights;
import io.quantserve.engine.model.ModelConfig;
import java.util.List;

/**
 * One decoder layer's weights as float arrays, the unit the quantizer holds in memory at a time. The intermediate
 * size may be padded with zero channels (gate/up rows, down columns) so packed formats can hold it: silu(0)·0 = 0,
 * so the layer computes exactly the same function.
 */
final class DecoderLayer {
    final int index;
    final float[] attentionNorm; // [hidden]
    final float[] ffnNorm;       // [hidden]
    final float[] qNorm, kNorm;  // [headDim] (Qwen3), else null: not quantized, carried through as they are
    final FloatLinear q, k, v, o, gate, up, down;
    private final int intermediate;

    private DecoderLayer(int index, float[] attentionNorm, float[] ffnNorm, float[] qNorm, float[] kNorm,
            FloatLinear q, FloatLinear k, FloatLinear v, FloatLinear o, FloatLinear gate, FloatLinear up,
            FloatLinear down) {
        this.index = index;
        this.attentionNorm = attentionNorm;
        this.ffnNorm = ffnNorm;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        this.q = q;
        this.k = k;
        this.v = v;
        this.o = o;
        this.gate = gate;
        this.up = up;
        this.down = down;
        this.intermediate = gate.out;
    }

    static String prefix(int layer) {
        return "model.layers." + layer;
    }

    /** Reads layer {@code i} from the checkpoint, padding the intermediate size to {@code paddedIntermediate}. */
    static DecoderLayer read(TensorSource source, ModelConfig c, int i, int paddedIntermediate) {
        String p = prefix(i);
        int hidden = c.hiddenSize();
        int inter = c.intermediateSize();
        return new DecoderLayer(i,
                floats(source, p + ".input_layernorm.weight", hidden),
                floats(source, p + ".post_attention_layernorm.weight", hidden),
                c.qkNorm() ? floats(source, p + ".self_attn.q_norm.weight", c.headDim()) : null,
                c.qkNorm() ? floats(source, p + ".self_attn.k_norm.weight", c.headDim()) : null,
                linear(source, p + ".self_attn.q_proj", c.qDim(), hidden),
                linear(source, p + ".self_attn.k_proj", c.kvDim(), hidden),
                linear(source, p + ".self_attn.v_proj", c.kvDim(), hidden),
                linear(source, p + ".self_attn.o_proj", hidden, c.qDim()),
                padRows(linear(source, p + ".mlp.gate_proj", inter, hidden), paddedIntermediate),
                padRows(linear(source, p + ".mlp.up_proj", inter, hidden), paddedIntermediate),
                padColumns(linear(source, p + ".mlp.down_proj", hidden, inter), paddedIntermediate));
    }

    int intermediateSize() {
        return intermediate;
    }

    List<FloatLinear> linears() {
        return List.of(q, k, v, o, gate, up, down);
    }

    LlamaWeights.Layer asModelLayer() {
        return new LlamaWeights.Layer(attentionNorm, q, k, v, qNorm, kNorm, o, ffnNorm, gate, up, down);
    }

    private static FloatLinear linear(TensorSource source, String prefix, int out, int in) {
        Tensor w = source.tensor(prefix + ".weight").requireShape(out, in);
        float[] bias = source.find(prefix + ".bias").map(b -> b.requireShape(out).toFloatArray()).orElse(null);
        return new FloatLinear(prefix, w.toFloatArray(), bias, out, in);
    }

    private static float[] floats(TensorSource source, String name, int size) {
        return source.tensor(name).requireShape(size).toFloatArray();
    }

    private static FloatLinear padRows(FloatLinear l, int rows) {
        if (rows == l.out) {
            return l;
        }
        float[] w = new float[rows * l.in];
        System.arraycopy(l.weight, 0, w, 0, l.weight.length);
        float[] bias = null;
        if (l.bias != null) {
            bias = new float[rows];
            System.arraycopy(l.bias, 0, bias, 0, l.out);
        }
        return new FloatLinear(l.name, w, bias, rows, l.in);
    }

    private static FloatLinear padColumns(FloatLinear l, int cols) {
        if (cols == l.in) {
            return l;
        }
        float[] w = new float[l.out * cols];
        for (int r = 0; r < l.out; r++) {
            System.arraycopy(l.weight, r * l.in, w, r * cols, l.in);
        }
        return new FloatLinear(l.name, w, l.bias, l.out, cols);
    }
}
