package io.quantserve.engine.guided;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Drives a constraint as the engine does, with random logits in place of a model: mask, sample at temperature 1,
 * accept. Structural tokens get a bias so that strings and containers close within a few hundred steps.
 */
final class RandomWalk {
    /** The text produced and whether it ended with an end-of-sequence token. */
    record Result(String text, boolean ended, int steps) {
    }

    private final GuidedVocabulary vocabulary;
    private final float[] bias;

    RandomWalk(GuidedVocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.bias = new float[vocabulary.size()];
        for (int id = 0; id < bias.length; id++) {
            byte[] b = vocabulary.bytes(id);
            if (b == null) {
                continue;
            }
            for (byte c : b) {
                if (c == '"') {
                    bias[id] = 6;
                } else if ((c == ',' || c == ':' || c == '}' || c == ']' || (c >= '0' && c <= '9')) && bias[id] < 3) {
                    bias[id] = 3;
                }
            }
        }
    }

    Result run(TokenConstraint constraint, long seed, int maxSteps) {
        Random random = new Random(seed);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        float[] logits = new float[vocabulary.size() + 7]; // a padded output head, as real models have
        for (int step = 0; step < maxSteps; step++) {
            for (int i = 0; i < logits.length; i++) {
                logits[i] = random.nextFloat() * 6 + (i < bias.length ? bias[i] : 0);
            }
            constraint.mask(logits);
            int token = sample(logits, random);
            assertThat(token).as("step %d after %s: no allowed token", step, text).isNotNegative();
            if (vocabulary.isEos(token)) {
                constraint.accept(token);
                return new Result(text.toString(StandardCharsets.UTF_8), true, step);
            }
            constraint.accept(token);
            text.writeBytes(vocabulary.bytes(token));
        }
        return new Result(text.toString(StandardCharsets.UTF_8), false, maxSteps);
    }

    /** Softmax sampling over the finite logits; -1 when there are none. */
    private static int sample(float[] logits, Random random) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            return -1;
        }
        double total = 0;
        double[] weights = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            weights[i] = logits[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp(logits[i] - max);
            total += weights[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < logits.length; i++) {
            r -= weights[i];
            if (r <= 0 && weights[i] > 0) {
                return i;
            }
        }
        for (int i = logits.length - 1; ; i--) { // rounding left r > 0: the last token with any weight
            if (weights[i] > 0) {
                return i;
            }
        }
    }
}
