package io.quantserve.engine.linear.gguf;

import io.quantserve.engine.linear.Linear;

/**
 * A layer whose output rows come out in another order: {@code y[r] = inner(x)[source[r]]}. llama.cpp's converter
 * reorders the Q and K rows of Llama models so each head's rotary pairs are interleaved (its "normal" RoPE); the
 * engine rotates halves as Hugging Face does, so it reads those rows back in Hugging Face order. Reordering the
 * output costs one copy of a vector; reordering the stored rows would cost a second copy of the weight.
 */
public final class PermutedLinear implements Linear {
    private final Linear inner;
    private final int[] source; // [out]: the inner row that gives each output row

    public PermutedLinear(Linear inner, int[] source) {
        if (source.length != inner.outFeatures()) {
            throw new IllegalArgumentException("permutation of " + source.length + " rows for a layer of "
                    + inner.outFeatures());
        }
        this.inner = inner;
        this.source = source.clone();
    }

    /**
     * Hugging Face row order from llama.cpp's interleaved one, for {@code heads} heads of {@code headDim} rows:
     * HF row {@code h*headDim + j*headDim/2 + i} is GGUF row {@code h*headDim + 2i + j}
     * (the converter's {@code w.reshape(heads, 2, headDim/2, in).swapaxes(1, 2)}).
     */
    public static int[] fromInterleavedRope(int heads, int headDim) {
        int half = headDim / 2;
        int[] source = new int[heads * headDim];
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < 2; j++) {
                for (int i = 0; i < half; i++) {
                    source[h * headDim + j * half + i] = h * headDim + 2 * i + j;
                }
            }
        }
        return source;
    }

    @Override
    public int inFeatures() {
        return inner.inFeatures();
    }

    @Override
    public int outFeatures() {
        return source.length;
    }

    @Override
    public void apply(float[] x, float[] y, int tokens) {
        int out = source.length;
        float[] unordered = new float[tokens * out];
        inner.apply(x, unordered, tokens);
        for (int t = 0; t < tokens; t++) {
            int base = t * out;
            for (int r = 0; r < out; r++) {
                y[base + r] = unordered[base + source[r]];
            }
        }
    }

    @Override
    public long weightBytes() {
        return inner.weightBytes();
    }
}
