package io.quantserve.engine.generate;

import io.quantserve.engine.model.LlamaModel;

/** Perplexity of token sequences under a model, from one causal forward pass each. */
public final class Perplexity {
    private Perplexity() {
    }

    /**
     * exp of the mean over positions 1..n-1 of -log p(ids[t] | ids[..t-1]); needs at least two tokens.
     * The log-softmax is computed in double so long vocabularies lose nothing.
     */
    public static double of(LlamaModel model, int[] ids) {
        if (ids.length < 2) {
            throw new IllegalArgumentException("perplexity needs at least 2 tokens, got " + ids.length);
        }
        int vocab = model.config().vocabSize();
        float[] logits = model.forward(model.newState(ids.length), ids, 0, true);
        double nll = 0;
        for (int t = 1; t < ids.length; t++) {
            nll -= logProbability(logits, (t - 1) * vocab, vocab, ids[t]);
        }
        return Math.exp(nll / (ids.length - 1));
    }

    static double logProbability(float[] logits, int off, int vocab, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        return logits[off + token] - max - Math.log(sum);
    }
}
