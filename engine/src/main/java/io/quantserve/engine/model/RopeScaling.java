package io.quantserve.engine.model;

/**
 * How rotary frequencies are rescaled for long contexts ({@code rope_scaling} in config.json).
 * Only the types whose math is settled and static are supported; anything else is rejected by name.
 */
public sealed interface RopeScaling {

    /** Plain RoPE. */
    record None() implements RopeScaling {
    }

    /** Position interpolation: every frequency divided by {@code factor}. */
    record Linear(double factor) implements RopeScaling {
    }

    /** Llama 3.1's piecewise rule: low frequencies divided by factor, high kept, a smooth ramp between. */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
            implements RopeScaling {
    }

    /**
     * Each pair's frequency divided by its own factor: how llama.cpp stores Llama 3 scaling in GGUF
     * (the {@code rope_freqs.weight} tensor, computed from the config's llama3 parameters at conversion).
     */
    record Factors(double[] factors) implements RopeScaling {
    }

    /** The inverse frequency of each of the {@code rotaryDim / 2} rotated pairs, in double precision. */
    default double[] inverseFrequencies(double theta, int rotaryDim) {
        double[] inv = new double[rotaryDim / 2];
        if (this instanceof Factors f && f.factors().length != inv.length) {
            throw new IllegalArgumentException("rope frequency factors: " + f.factors().length + " values for "
                    + inv.length + " rotary pairs");
        }
        for (int i = 0; i < inv.length; i++) {
            double freq = 1.0 / Math.pow(theta, (2.0 * i) / rotaryDim);
            inv[i] = switch (this) {
                case None n -> freq;
                case Linear l -> freq / l.factor();
                case Llama3 l -> llama3(freq, l);
                case Factors f -> freq / f.factors()[i];
            };
        }
        return inv;
    }

    private static double llama3(double freq, Llama3 s) {
        double lowFreqWavelen = s.originalMaxPositions() / s.lowFreqFactor();
        double highFreqWavelen = s.originalMaxPositions() / s.highFreqFactor();
        double wavelen = 2 * Math.PI / freq;
        if (wavelen < highFreqWavelen) {
            return freq;
        }
        if (wavelen > lowFreqWavelen) {
            return freq / s.factor();
        }
        double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                / (s.highFreqFactor() - s.lowFreqFactor());
        return (1 - smooth) * freq / s.factor() + smooth * freq;
    }
}
