package io.quantserve.engine.kernel;

import io.quantserve.engine.tensor.WeightMatrix;
import java.util.Arrays;

/**
 * One implementation of the kernels behind {@link VectorOps}. Arguments are already checked by the front door, so
 * implementations do no validation of their own; they must be stateless so that concurrent callers are safe.
 */
interface Kernels {
    String name();

    /**
     * Prepares a matmul (once per call, e.g. reordering x) and returns the work over a range of rows of y, for every
     * token; {@link VectorOps} runs that body on one thread or splits the rows across the pool.
     */
    Parallel.IntRangeBody matmul(WeightMatrix w, float[] x, float[] y, int tokens);

    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    void add(float[] y, int yOff, float[] x, int xOff, int n);

    void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps);

    void softmax(float[] x, int off, int n);

    void siluMul(float[] gate, int gateOff, float[] up, int upOff, int n);

    void rope(float[] x, int off, int headDim, float[] cos, float[] sin, int tableOff);

    /** Built from dot/softmax/axpy so that each implementation's attention inherits its own speed and rounding. */
    default void attention(float[] q, int qOff, float[] keys, float[] values, int kvOff, int kvStride, int len,
                           int headDim, float scale, float[] scores, float[] out, int outOff) {
        for (int j = 0; j < len; j++) {
            scores[j] = dot(q, qOff, keys, kvOff + j * kvStride, headDim) * scale;
        }
        softmax(scores, 0, len);
        Arrays.fill(out, outOff, outOff + headDim, 0f);
        for (int j = 0; j < len; j++) {
            axpy(scores[j], values, kvOff + j * kvStride, out, outOff, headDim);
        }
    }

    /**
     * The attention above over a paged cache; the block is resolved once per block of positions, then the inner loop
     * walks its slots like the contiguous one.
     */
    default void pagedAttention(float[] q, int qOff, float[] keys, float[] values, int[] blocks, int blockSize,
                                int kvDim, int headOff, int first, int len, int headDim, float scale, float[] scores,
                                float[] out, int outOff) {
        int end = first + len;
        for (int p = first, j = 0; p < end; ) {
            int block = p / blockSize;
            int stop = Math.min(end, (block + 1) * blockSize);
            int off = (blocks[block] * blockSize + p - block * blockSize) * kvDim + headOff;
            for (; p < stop; p++, j++, off += kvDim) {
                scores[j] = dot(q, qOff, keys, off, headDim) * scale;
            }
        }
        softmax(scores, 0, len);
        Arrays.fill(out, outOff, outOff + headDim, 0f);
        for (int p = first, j = 0; p < end; ) {
            int block = p / blockSize;
            int stop = Math.min(end, (block + 1) * blockSize);
            int off = (blocks[block] * blockSize + p - block * blockSize) * kvDim + headOff;
            for (; p < stop; p++, j++, off += kvDim) {
                axpy(scores[j], values, off, out, outOff, headDim);
            }
        }
    }
}
