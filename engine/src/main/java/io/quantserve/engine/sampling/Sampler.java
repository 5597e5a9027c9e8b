package io.quantserve.engine.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks tokens for one sequence. Holds the sequence's random stream and the token history that
 * penalties need, plus scratch buffers so a step allocates nothing. Not thread-safe: one per
 * sequence.
 *
 * <p>Order of operations, as in vLLM / HF: logit bias, repetition penalty (prompt + output tokens), presence
 * and frequency penalties (output tokens only), then temperature 0 = argmax, otherwise
 * softmax(logits / T) → top-k → top-p → min-p → renormalise → draw. The three filters each keep a
 * prefix of the tokens sorted by probability, so they combine by taking the shortest prefix; top-p
 * measures mass against what top-k left, min-p against the most likely token.
 *
 * <p>Cost per step is O(V) when top-k and top-p are off. Top-k uses a size-k heap; top-p first
 * finds a probability threshold above which enough mass lies, so only those few tokens are
 * sorted (exact, not an approximation).
 */
public final class Sampler {

    private final SamplingParams params;
    private final int vocabSize;
    private final SplittableRandom random;
    private final int[] biasIds;
    private final float[] biases;

    // Penalty state: which tokens are in the context, how often each was generated.
    private final boolean[] seen;
    private int[] seenIds = new int[64];
    private int seenCount;
    private final int[] outputCounts;
    private int[] outputIds = new int[64];
    private int outputDistinct;

    private final float[] scratch;
    private long[] candidates = new long[256];

    public Sampler(SamplingParams params, int vocabSize) {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be > 0, got " + vocabSize);
        }
        this.params = params;
        this.vocabSize = vocabSize;
        this.random = params.seed().isPresent() ? new SplittableRandom(params.seed().getAsLong()) : new SplittableRandom();
        this.seen = new boolean[vocabSize];
        this.outputCounts = new int[vocabSize];
        this.scratch = new float[vocabSize];
        this.biasIds = new int[params.logitBias().size()];
        this.biases = new float[biasIds.length];
        int i = 0;
        for (var e : params.logitBias().entrySet()) {
            if (e.getKey() >= vocabSize) {
                throw new IllegalArgumentException("logit bias for token " + e.getKey() + " outside vocabulary of "
                        + vocabSize);
            }
            biasIds[i] = e.getKey();
            biases[i++] = e.getValue();
        }
    }

    public SamplingParams params() {
        return params;
    }

    /**
     * Whether {@link #next} reads the logits only through temperature, top-k, top-p and min-p (no penalty and no
     * logit bias in effect):
     * then a sampler elsewhere (the GPU's, see {@code io.quantserve.engine.gpu.SampleRow}) given these parameters and
     * {@link #nextUniform} draws the token this one would.
     */
    public boolean penaltyFree() {
        return params.repetitionPenalty() == 1f && params.presencePenalty() == 0f && params.frequencyPenalty() == 0f
                && biasIds.length == 0;
    }

    /**
     * The uniform number in [0, 1) that the next draw of {@link #next} would use, taken from this sampler's random
     * stream as that draw takes it (once per sampled token; greedy takes none and gets 0), for a draw made elsewhere
     * ({@link #next(float[], double)}).
     */
    public double nextUniform() {
        return params.isGreedy() ? 0 : random.nextDouble();
    }

    /** Prompt tokens: subject to the repetition penalty but not to presence/frequency penalties. */
    public void acceptPrompt(int... tokens) {
        for (int t : tokens) {
            markSeen(t);
        }
    }

    /** A generated token that joined the context (normally the one {@link #next} just returned). */
    public void accept(int token) {
        markSeen(token);
        if (outputCounts[token]++ == 0) {
            if (outputDistinct == outputIds.length) outputIds = Arrays.copyOf(outputIds, outputDistinct * 2);
            outputIds[outputDistinct++] = token;
        }
    }

    private void markSeen(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token " + token + " outside vocabulary of " + vocabSize);
        }
        if (!seen[token]) {
            seen[token] = true;
            if (seenCount == seenIds.length) seenIds = Arrays.copyOf(seenIds, seenCount * 2);
            seenIds[seenCount++] = token;
        }
    }

    /**
     * Chooses the next token from {@code logits[0, vocabSize)}; the array is left untouched (extra
     * entries past vocabSize, e.g. padding, are ignored). Does not {@link #accept} the token.
     */
    public int next(float[] logits) {
        return next(logits, nextUniform());
    }

    /**
     * As {@link #next(float[])} with the draw's uniform number {@code u} in [0, 1) given (ignored when greedy): the
     * token a sampler that takes u from elsewhere, such as the GPU's, must pick.
     */
    public int next(float[] logits, double u) {
        if (logits.length < vocabSize) {
            throw new IllegalArgumentException("logits has " + logits.length + " entries, vocabulary is " + vocabSize);
        }
        float[] x = scratch;
        System.arraycopy(logits, 0, x, 0, vocabSize);
        applyPenalties(x);
        if (params.isGreedy()) {
            return argmax(x);
        }
        return sample(x, u);
    }

    private void applyPenalties(float[] x) {
        for (int i = 0; i < biasIds.length; i++) {
            x[biasIds[i]] += biases[i];
        }
        float rep = params.repetitionPenalty();
        if (rep != 1f) {
            for (int i = 0; i < seenCount; i++) {
                int t = seenIds[i];
                x[t] = x[t] > 0 ? x[t] / rep : x[t] * rep; // HF/CTRL: always towards "less likely"
            }
        }
        float presence = params.presencePenalty();
        float frequency = params.frequencyPenalty();
        if (presence != 0f || frequency != 0f) {
            for (int i = 0; i < outputDistinct; i++) {
                int t = outputIds[i];
                x[t] -= presence + frequency * outputCounts[t];
            }
        }
    }

    /** Lowest index among the maxima, so ties break deterministically. */
    static int argmax(float[] x, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[i] > x[best]) best = i;
        }
        return best;
    }

    private int argmax(float[] x) {
        return argmax(x, vocabSize);
    }

    private int sample(float[] x, double u) {
        int n = vocabSize;
        int top = argmax(x);
        float max = x[top];
        if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max)) {
            throw new IllegalArgumentException("no token has a finite logit");
        }
        // Unnormalised softmax weights; the most likely token gets exactly 1.
        float invT = 1f / params.temperature();
        double total = 0;
        for (int i = 0; i < n; i++) {
            float w = (float) Math.exp((x[i] - max) * invT);
            x[i] = w;
            total += w;
        }
        int k = params.topK() > 0 && params.topK() < n ? params.topK() : 0;
        boolean topP = params.topP() < 1f;
        if (k == 0 && !topP) {
            return drawUnsorted(x, total, u);
        }
        int count = k > 0 ? topKCandidates(x, k) : nucleusCandidates(x, total);
        Arrays.sort(candidates, 0, count); // ascending: most likely token is last
        double mass = total;
        if (k > 0) {
            mass = 0;
            for (int i = 0; i < count; i++) mass += weight(candidates[i]);
        }
        // Walk from the most likely token; stop at the shortest prefix that any filter allows.
        double limit = topP ? params.topP() * mass : Double.POSITIVE_INFINITY;
        float minWeight = params.minP() * weight(candidates[count - 1]);
        double kept = 0;
        int first = count - 1; // index of the least likely kept candidate
        for (int i = count - 1; i >= 0; i--) {
            float w = weight(candidates[i]);
            if (i < count - 1 && (kept >= limit || w < minWeight)) break;
            kept += w;
            first = i;
        }
        double r = u * kept;
        for (int i = count - 1; i > first; i--) {
            r -= weight(candidates[i]);
            if (r < 0) return index(candidates[i]);
        }
        return index(candidates[first]);
    }

    /** No top-k/top-p: one pass with min-p as a plain threshold (the max weight is 1). */
    private int drawUnsorted(float[] w, double total, double u) {
        float minP = params.minP();
        double kept = total;
        if (minP > 0) {
            kept = 0;
            for (int i = 0; i < vocabSize; i++) {
                if (w[i] < minP) w[i] = 0;
                kept += w[i];
            }
        }
        double r = u * kept;
        int last = 0;
        for (int i = 0; i < vocabSize; i++) {
            if (w[i] > 0) {
                r -= w[i];
                last = i;
                if (r < 0) return i;
            }
        }
        return last; // rounding left r slightly positive: the last token with mass
    }

    /** The k most likely tokens via a min-heap keyed like {@link #key}. */
    private int topKCandidates(float[] w, int k) {
        ensureCandidates(k);
        long[] heap = candidates;
        int size = 0;
        for (int i = 0; i < vocabSize; i++) {
            long key = key(w[i], i);
            if (size < k) {
                heap[size] = key;
                siftUp(heap, size++);
            } else if (key > heap[0]) {
                heap[0] = key;
                siftDown(heap, k);
            }
        }
        return size;
    }

    /**
     * Every token that could be in the nucleus: lowers a weight threshold until the tokens above
     * it hold at least top_p of the mass. The nucleus is the most likely tokens, so it lies
     * entirely above that threshold; usually a handful of tokens instead of the vocabulary.
     */
    private int nucleusCandidates(float[] w, double total) {
        double needed = params.topP() * total;
        for (float threshold = 1e-2f; ; threshold *= 1e-3f) {
            double mass = 0;
            int count = 0;
            boolean last = threshold < 1e-30f;
            for (int i = 0; i < vocabSize; i++) {
                if (w[i] >= threshold || last) {
                    mass += w[i];
                    count++;
                }
            }
            if (mass >= needed || last) {
                ensureCandidates(count);
                int c = 0;
                for (int i = 0; i < vocabSize; i++) {
                    if (w[i] >= threshold || last) candidates[c++] = key(w[i], i);
                }
                return c;
            }
        }
    }

    private void ensureCandidates(int n) {
        if (candidates.length < n) candidates = new long[Math.max(n, candidates.length * 2)];
    }

    /**
     * Packs (weight, token) so that larger weights sort higher and, among equal weights, lower
     * token ids sort higher. Non-negative float bits order like the floats themselves.
     */
    private static long key(float weight, int token) {
        return ((long) Float.floatToRawIntBits(weight) << 32) | (0xFFFF_FFFFL - token);
    }

    private static float weight(long key) {
        return Float.intBitsToFloat((int) (key >>> 32));
    }

    private static int index(long key) {
        return (int) (0xFFFF_FFFFL - (key & 0xFFFF_FFFFL));
    }

    private static void siftUp(long[] h, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (h[parent] <= h[i]) return;
            long t = h[parent]; h[parent] = h[i]; h[i] = t;
            i = parent;
        }
    }

    private static void siftDown(long[] h, int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) return;
            int smallest = l + 1 < size && h[l + 1] < h[l] ? l + 1 : l;
            if (h[i] <= h[smallest]) return;
            long t = h[smallest]; h[smallest] = h[i]; h[i] = t;
            i = smallest;
        }
    }
}
