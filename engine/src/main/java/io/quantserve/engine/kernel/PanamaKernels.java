package io.quantserve.engine.kernel;

import io.quantserve.engine.tensor.WeightMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels. Loops are an unrolled body with four accumulators (so consecutive FMAs do not wait on each
 * other's latency), then a one-vector tail, then a scalar tail. Loading this class needs jdk.incubator.vector, so
 * nothing may touch it before {@link KernelSelection} has checked that the module is present.
 *
 * <p>All Vector API kernels of the engine (here, in PanamaMatmul, PanamaGemm and the quantized formats' kernels)
 * write their loops out, with no helper method of ours that takes or returns a vector. C2 always inlines the Vector
 * API's own methods (they are marked force-inline), but ours only while the compilation is under its node budget
 * (NodeCountInliningCutoff), and a large kernel reaches that budget near its end, depending on the profile the
 * compile happened to see. A helper left out of line gets its vectors boxed, and its conversions run the slow Java
 * fallback: before this rule, one run in three of the awq4 bench decoded at 14 tok/s instead of 32, because the last
 * field of GroupIntKernels.pair4 went through such a call.
 */
final class PanamaKernels implements Kernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    static int preferredBits() {
        return F.vectorBitSize();
    }

    @Override
    public String name() {
        return "vector(" + F.vectorBitSize() + ")";
    }

    @Override
    public Parallel.IntRangeBody matmul(WeightMatrix w, float[] x, float[] y, int tokens) {
        return PanamaMatmul.body(w, x, y, tokens);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return dotArrays(a, aOff, b, bOff, n);
    }

    static float dotArrays(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = FloatVector.zero(F);
        FloatVector s2 = FloatVector.zero(F);
        FloatVector s3 = FloatVector.zero(F);
        int i = 0;
        for (int bound = n & -(4 * L); i < bound; i += 4 * L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
            s1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), s1);
            s2 = FloatVector.fromArray(F, a, aOff + i + 2 * L).fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), s2);
            s3 = FloatVector.fromArray(F, a, aOff + i + 3 * L).fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), s3);
        }
        for (int bound = n & -L; i < bound; i += L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
        }
        float sum = LaneMath.sum(s0.add(s1).add(s2.add(s3)));
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    // The element-wise ops below have no loop-carried dependency, so they need no extra accumulators to unroll.

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (int bound = n & -L; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(a, FloatVector.fromArray(F, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void add(float[] y, int yOff, float[] x, int xOff, int n) {
        int i = 0;
        for (int bound = n & -L; i < bound; i += L) {
            FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        float ss = dot(x, xOff, x, xOff, n);
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        int i = 0;
        for (int bound = n & -L; i < bound; i += L) {
            FloatVector.fromArray(F, weight, i).mul(FloatVector.fromArray(F, x, xOff + i).mul(inv))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = weight[i] * (x[xOff + i] * inv);
        }
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        int bound = n & -L;
        float max = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
            FloatVector m = FloatVector.fromArray(F, x, off);
            for (int i = L; i < bound; i += L) {
                m = m.max(FloatVector.fromArray(F, x, off + i));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (int i = bound; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        FloatVector sums = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector e = LaneMath.exp(FloatVector.fromArray(F, x, off + i).sub(max));
            e.intoArray(x, off + i);
            sums = sums.add(e);
        }
        float sum = LaneMath.sum(sums);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (i = 0; i < bound; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    @Override
    public void siluMul(float[] gate, int gateOff, float[] up, int upOff, int n) {
        int i = 0;
        for (int bound = n & -L; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, gateOff + i);
            FloatVector silu = g.div(LaneMath.exp(g.neg()).add(1f));
            silu.mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(gate, gateOff + i);
        }
        for (; i < n; i++) {
            float g = gate[gateOff + i];
            gate[gateOff + i] = g / (1f + (float) Math.exp(-g)) * up[upOff + i];
        }
    }

    @Override
    public void rope(float[] x, int off, int headDim, float[] cos, float[] sin, int tableOff) {
        int half = headDim / 2;
        int i = 0;
        for (int bound = half & -L; i < bound; i += L) {
            FloatVector x1 = FloatVector.fromArray(F, x, off + i);
            FloatVector x2 = FloatVector.fromArray(F, x, off + half + i);
            FloatVector c = FloatVector.fromArray(F, cos, tableOff + i);
            FloatVector s = FloatVector.fromArray(F, sin, tableOff + i);
            x1.mul(c).sub(x2.mul(s)).intoArray(x, off + i);
            x2.mul(c).add(x1.mul(s)).intoArray(x, off + half + i);
        }
        for (; i < half; i++) {
            float x1 = x[off + i];
            float x2 = x[off + half + i];
            float c = cos[tableOff + i];
            float s = sin[tableOff + i];
            x[off + i] = x1 * c - x2 * s;
            x[off + half + i] = x2 * c + x1 * s;
        }
    }
}
