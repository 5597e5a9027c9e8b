package io.quantserve.engine.quant;

import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LlamaWeights;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.quant.algo.ObjectiveFn;
import java.util.Arrays;
import java.util.List;

/**
 * AutoAWQ's {@code module2inspect} losses: the scale search for q/k/v is judged on the whole attention block's
 * output and the one for gate/up on the whole MLP's output, not on the linears' own outputs.
 */
final class BlockObjectives {
    private BlockObjectives() {
    }

    /**
     * Mean squared error of the attention block (input norm, q/k/v with the candidate weights, rope, causal
     * attention, o) over whole calibration sequences, against the float block.
     *
     * @param sequences the layer's inputs [tokens, hidden], one array per sequence
     */
    static ObjectiveFn attention(ModelConfig config, DecoderLayer layer, List<float[]> sequences) {
        int hidden = config.hiddenSize();
        int context = sequences.stream().mapToInt(s -> s.length / hidden).max().orElse(1);
        float[][] reference = attentionOutputs(config, layer, layer.q.weight, layer.k.weight, layer.v.weight, sequences, context);
        long elements = Arrays.stream(reference).mapToLong(r -> r.length).sum();
        return candidates -> {
            float[][] out = attentionOutputs(config, layer, candidates[0], candidates[1], candidates[2], sequences, context);
            return meanSquaredError(reference, out, elements);
        };
    }

    /** The attention block alone: a one-layer model whose MLP is zero, minus its residual input. */
    private static float[][] attentionOutputs(ModelConfig c, DecoderLayer l, float[] q, float[] k, float[] v,
            List<float[]> sequences, int context) {
        Linear zeroUp = zero(c.hiddenSize(), l.intermediateSize());
        Linear zeroDown = zero(l.intermediateSize(), c.hiddenSize());
        LlamaWeights.Layer layer = new LlamaWeights.Layer(l.attentionNorm,
                new FloatLinear(l.q.name, q, l.q.bias, l.q.out, l.q.in),
                new FloatLinear(l.k.name, k, l.k.bias, l.k.out, l.k.in),
                new FloatLinear(l.v.name, v, l.v.bias, l.v.out, l.v.in),
                l.qNorm, l.kNorm, l.o, l.ffnNorm, zeroUp, zeroUp, zeroDown);
        ModelConfig single = c.singleLayer(l.intermediateSize());
        LlamaModel model = new LlamaModel(single, new LlamaWeights(null, new LlamaWeights.Layer[] {layer}, null, null));
        InferenceState state = model.newState(context);
        float[][] out = new float[sequences.size()][];
        for (int i = 0; i < out.length; i++) {
            float[] x = sequences.get(i);
            float[] y = x.clone();
            model.forwardLayers(state, y, x.length / c.hiddenSize());
            for (int j = 0; j < y.length; j++) {
                y[j] -= x[j];
            }
            out[i] = y;
        }
        return out;
    }

    /** Mean squared error of down(silu(gate x) · up x) with the candidate gate and up, on normed inputs x [n, hidden]. */
    static ObjectiveFn mlp(DecoderLayer layer, float[] x, int n) {
        float[] reference = mlpOutput(layer, layer.gate.weight, layer.up.weight, x, n);
        return candidates -> meanSquaredError(new float[][] {reference},
                new float[][] {mlpOutput(layer, candidates[0], candidates[1], x, n)}, reference.length);
    }

    private static float[] mlpOutput(DecoderLayer l, float[] gate, float[] up, float[] x, int n) {
        int inter = l.intermediateSize();
        float[] g = new float[n * inter];
        float[] u = new float[n * inter];
        new FloatLinear(l.gate.name, gate, l.gate.bias, inter, l.gate.in).apply(x, g, n);
        new FloatLinear(l.up.name, up, l.up.bias, inter, l.up.in).apply(x, u, n);
        VectorOps.get().siluMul(g, 0, u, 0, n * inter);
        float[] y = new float[n * l.down.out];
        l.down.apply(g, y, n);
        return y;
    }

    private static double meanSquaredError(float[][] reference, float[][] out, long elements) {
        double sum = 0;
        for (int i = 0; i < reference.length; i++) {
            for (int j = 0; j < reference[i].length; j++) {
                double d = reference[i][j] - out[i][j];
                sum += d * d;
            }
        }
        return sum / elements;
    }

    private static Linear zero(int in, int out) {
        return new Linear() {
            @Override
            public int inFeatures() {
                return in;
            }

            @Override
            public int outFeatures() {
                return out;
            }

            @Override
            public void apply(float[] x, float[] y, int tokens) {
                Arrays.fill(y, 0, tokens * out, 0f);
            }

            @Override
            public long weightBytes() {
                return 0;
            }
        };
    }
}
