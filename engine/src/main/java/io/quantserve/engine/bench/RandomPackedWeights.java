package io.quantserve.engine.bench;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.linear.LinearMethod;
import io.quantserve.engine.linear.QuantizationConfig;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Linear layers of a synthetic model made from random float weights by a packer (a format's round-to-nearest
 * quantizer), one layer at a time so the float copy never outlives its layer. Stands in for a quantized checkpoint
 * in benchmarks: the packed bytes and the kernels are the real ones.
 */
final class RandomPackedWeights implements QuantizationConfig, LinearMethod {

    /** Builds the packed layer from a float weight [out, in]. */
    @FunctionalInterface
    interface Packer {
        Linear pack(float[] weight, int out, int in);
    }

    private final String name;
    private final Packer layers;
    private final Packer head;

    RandomPackedWeights(String name, Packer layers, Packer head) {
        this.name = name;
        this.layers = layers;
        this.head = head;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LinearMethod linearMethod(String prefix) {
        return this;
    }

    @Override
    public Linear load(TensorSource source, String prefix, int in, int out) {
        float[] w = new float[Math.multiplyExact(out, in)];
        float bound = (float) (1 / Math.sqrt(in));
        long seed = prefix.hashCode();
        int block = 1 << 20;
        IntStream.range(0, (w.length + block - 1) / block).parallel().forEach(b -> {
            SplittableRandom random = new SplittableRandom(seed * 31 + b);
            for (int i = b * block, end = Math.min(w.length, i + block); i < end; i++) {
                w[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
        });
        return (prefix.equals("lm_head") ? head : layers).pack(w, out, in);
    }
}
