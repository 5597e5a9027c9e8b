package io.quantserve.engine.bench;

import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import java.util.SplittableRandom;

/**
 * Times prefill (one prompt as matrix-matrix work) and decode (one token at a time with the KV cache) of a model,
 * and turns the decode rate into weight bandwidth: every decode step reads every weight once.
 */
public final class ModelBenchmark {

    public record Result(int promptTokens, double prefillTokensPerSecond, int decodeTokens,
            double decodeTokensPerSecond, long weightBytesPerToken, long weightsPerToken) {

        /** Stored bits per weight over all the weights a decode step reads (packing overhead included). */
        public double bitsPerWeight() {
            return 8.0 * weightBytesPerToken / weightsPerToken;
        }

        public double decodeGBps() {
            return decodeTokensPerSecond * weightBytesPerToken / 1e9;
        }
    }

    private ModelBenchmark() {
    }

    public static Result run(LlamaModel model, int promptTokens, int decodeTokens) {
        int vocab = model.config().vocabSize();
        SplittableRandom random = new SplittableRandom(7);
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = random.nextInt(vocab);
        }

        // warm-up: lets the JIT compile the kernels before anything is timed
        InferenceState warm = model.newState(64);
        model.forward(warm, new int[] {1, 2, 3, 4, 5, 6, 7, 8}, 0, false);
        for (int i = 0; i < 4; i++) {
            model.forward(warm, new int[] {9}, 8 + i, false);
        }

        InferenceState state = model.newState(promptTokens + decodeTokens);
        long start = System.nanoTime();
        float[] logits = model.forward(state, prompt, 0, false);
        double prefillSeconds = (System.nanoTime() - start) / 1e9;

        start = System.nanoTime();
        for (int i = 0; i < decodeTokens; i++) {
            logits = model.forward(state, new int[] {argmax(logits)}, promptTokens + i, false);
        }
        double decodeSeconds = (System.nanoTime() - start) / 1e9;

        return new Result(promptTokens, promptTokens / prefillSeconds, decodeTokens, decodeTokens / decodeSeconds,
                model.weights().bytesPerToken(), model.weights().weightsPerToken());
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
