package io.quantserve.engine.sampling;

/**
 * The log-probability of a chosen token under the model's raw distribution (log-softmax of the logits, before
 * penalties, temperature and constraints, as vLLM reports them), with the most likely alternatives.
 *
 * @param rank        1 + the number of ids more likely than {@code token} (vLLM's rank)
 * @param topIds      the {@code top} most likely ids, most likely first
 * @param topLogprobs their log-probabilities, same order
 */
public record TokenLogprob(int token, float logprob, int rank, int[] topIds, float[] topLogprobs) {

    /** Log-softmax of {@code logits[0, vocabSize)} at {@code token}, plus the {@code top} best (0 = none). */
    public static TokenLogprob of(float[] logits, int vocabSize, int token, int top) {
        return of(logits, 0, vocabSize, token, top);
    }

    /** As {@link #of(float[], int, int, int)} over the row {@code logits[offset, offset + vocabSize)}. */
    public static TokenLogprob of(float[] logits, int offset, int vocabSize, int token, int top) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocabSize; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        float chosen = logits[offset + token];
        int rank = 1;
        for (int i = 0; i < vocabSize; i++) {
            sum += Math.exp(logits[offset + i] - max);
            rank += logits[offset + i] > chosen ? 1 : 0;
        }
        float logZ = (float) (max + Math.log(sum));
        int k = Math.min(top, vocabSize);
        int[] ids = new int[k];
        float[] values = new float[k];
        int filled = 0;
        // insertion into a small sorted array: k is at most 20 (the OpenAI API's limit)
        for (int i = 0; i < vocabSize && k > 0; i++) {
            float v = logits[offset + i];
            if (filled == k && v <= values[k - 1]) {
                continue;
            }
            int at = filled < k ? filled++ : k - 1;
            while (at > 0 && values[at - 1] < v) {
                values[at] = values[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }
            values[at] = v;
            ids[at] = i;
        }
        for (int i = 0; i < k; i++) {
            values[i] -= logZ;
        }
        return new TokenLogprob(token, chosen - logZ, rank, ids, values);
    }
}
