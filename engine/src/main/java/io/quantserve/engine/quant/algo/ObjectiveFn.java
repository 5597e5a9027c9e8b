package io.quantserve.engine.quant.algo;

/**
 * What AWQ's scale search minimises: the loss of a block whose linears carry the candidate (fake-quantized,
 * scale-folded-back) weights, against the unquantized block on the calibration inputs. The default compares the
 * linears' own outputs ({@link #linearOutputs}); the pipeline can pass one that runs the whole attention or MLP block.
 */
@FunctionalInterface
public interface ObjectiveFn {

    /** @param candidates one [outs[i], in] weight per linear, in the order given to the search */
    double loss(float[][] candidates);

    /**
     * Mean squared error over all elements between x Wᵢᵀ and x Ŵᵢᵀ, the outputs of all linears concatenated
     * (AutoAWQ's {@code _compute_loss} when {@code module2inspect} is the linear itself).
     */
    static ObjectiveFn linearOutputs(float[][] weights, int[] outs, int in, float[] x, int n) {
        float[][] reference = new float[weights.length][];
        long elements = 0;
        for (int i = 0; i < weights.length; i++) {
            reference[i] = Matmul.xWt(x, n, weights[i], outs[i], in);
            elements += (long) n * outs[i];
        }
        long total = elements;
        return candidates -> {
            double sum = 0;
            for (int i = 0; i < candidates.length; i++) {
                float[] y = Matmul.xWt(x, n, candidates[i], outs[i], in);
                float[] ref = reference[i];
                for (int k = 0; k < y.length; k++) {
                    double d = ref[k] - y[k];
                    sum += d * d;
                }
            }
            return sum / total;
        };
    }
}
