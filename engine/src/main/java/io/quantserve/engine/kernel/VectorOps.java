package io.quantserve.engine.kernel;

import io.quantserve.engine.tensor.WeightMatrix;

/**
 * Front door to the CPU kernels. Checks arguments and delegates to one of two implementations chosen once at
 * start-up: the scalar reference or the Panama Vector API version (system property
 * {@code quantserve.kernels=scalar|vector} overrides; the choice and any fallback reason are logged).
 *
 * <p>Activations are plain float arrays with offsets; weights are {@link WeightMatrix} (F32/F16/BF16).
 * Large kernels (matmul) are multi-threaded across the machine's cores.
 */
public final class VectorOps {
    // CONTRACT (implemented in this package by the kernels work):
    //   static VectorOps get()                       the process-wide instance (scalar or vector, chosen once)
    //   static VectorOps scalar(), static VectorOps vector()   explicit instances for tests and benchmarks
    //   String name()                                "scalar" or "vector(<bits>)"
    //   void matmul(WeightMatrix w, float[] x, float[] y, int tokens)
    //        x: [tokens, w.cols()] row-major, y: [tokens, w.rows()];  y[t][r] = sum_k w[r][k] * x[t][k]
    //        tokens == 1 is the decode matvec; tokens > 1 is prefill (weights read once per tile of tokens).
    //   float dot(float[] a, int aOff, float[] b, int bOff, int n)
    //   void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n)     y += alpha * x
    //   void add(float[] y, int yOff, float[] x, int xOff, int n)                   y += x
    //   void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps)
    //   void softmax(float[] x, int off, int n)                                     in place, max-subtracted
    //   void siluMul(float[] gate, int gateOff, float[] up, int upOff, int n)      gate = silu(gate) * up
    //   void rope(float[] x, int off, int headDim, float[] cos, float[] sin, int tableOff)
    //        rotate-half (Hugging Face) RoPE on one head of headDim at x[off..]; cos/sin hold headDim/2 values
    //        for this position starting at tableOff: x1' = x1*c - x2*s, x2' = x2*c + x1*s
    //   void attention(float[] q, int qOff, float[] keys, float[] values, int kvOff, int kvStride, int len,
    //                  int headDim, float scale, float[] scores, float[] out, int outOff)
    //        one query head over len cached positions: key j at keys[kvOff + j*kvStride .. +headDim], same
    //        for values; scores (length >= len) is scratch; out[outOff..+headDim] = softmax(q.k*scale) . V
    private VectorOps() {
    }
}
