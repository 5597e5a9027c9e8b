package io.quantserve.engine.kernel;

import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The reference kernels: plain loops with float accumulation, in the order a reader expects. The vector kernels are
 * tested against these, and they are also the fallback where the Vector API is missing or too narrow to pay off.
 */
final class ScalarKernels implements Kernels {
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public Parallel.IntRangeBody matmul(WeightMatrix w, float[] x, float[] y, int tokens) {
        int rows = w.rows();
        int cols = w.cols();
        return (from, to) -> {
            // Decoding one row to floats and reusing it for every token keeps prefill from re-reading the weights.
            float[] row = new float[cols];
            for (int r = from; r < to; r++) {
                loadRow(w, r, row);
                for (int t = 0; t < tokens; t++) {
                    y[t * rows + r] = dot(row, 0, x, t * cols, cols);
                }
            }
        };
    }

    private static void loadRow(WeightMatrix w, int r, float[] row) {
        MemorySegment seg = w.data();
        int cols = w.cols();
        long base = (long) r * cols * w.dtype().bytes();
        switch (w.dtype()) {
            case F32 -> MemorySegment.copy(seg, F32_LE, base, row, 0, cols);
            case BF16 -> {
                for (int k = 0; k < cols; k++) {
                    row[k] = bf16ToFloat(seg.get(I16_LE, base + 2L * k));
                }
            }
            case F16 -> {
                for (int k = 0; k < cols; k++) {
                    row[k] = Float.float16ToFloat(seg.get(I16_LE, base + 2L * k));
                }
            }
            default -> throw new IllegalStateException("unsupported weight dtype " + w.dtype());
        }
    }

    /** BF16 is the top half of an F32, so widening is a shift; the sign-extended high bits are shifted out. */
    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void add(float[] y, int yOff, float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        float ss = 0f;
        for (int i = 0; i < n; i++) {
            ss += x[xOff + i] * x[xOff + i];
        }
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        // Same association as Hugging Face: weight * (x * rsqrt(mean + eps)).
        for (int i = 0; i < n; i++) {
            out[outOff + i] = weight[i] * (x[xOff + i] * inv);
        }
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    @Override
    public void siluMul(float[] gate, int gateOff, float[] up, int upOff, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[gateOff + i];
            gate[gateOff + i] = g / (1f + (float) Math.exp(-g)) * up[upOff + i];
        }
    }

    @Override
    public void rope(float[] x, int off, int headDim, float[] cos, float[] sin, int tableOff) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float x1 = x[off + i];
            float x2 = x[off + half + i];
            float c = cos[tableOff + i];
            float s = sin[tableOff + i];
            x[off + i] = x1 * c - x2 * s;
            x[off + half + i] = x2 * c + x1 * s;
        }
    }
}
