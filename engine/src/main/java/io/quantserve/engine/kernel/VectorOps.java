package io.quantserve.engine.kernel;

import io.quantserve.engine.tensor.WeightMatrix;
import java.util.Objects;

/**
 * Front door to the CPU kernels. Checks arguments and delegates to one of two implementations chosen once at
 * start-up: the scalar reference or the Panama Vector API version (system property
 * {@code quantserve.kernels=scalar|vector} overrides; the choice and any fallback reason are logged).
 *
 * <p>Activations are plain float arrays with offsets; weights are {@link WeightMatrix} (F32/F16/BF16).
 * Large kernels (matmul) are multi-threaded across the machine's cores. All methods are safe to call concurrently.
 * Bad offsets or sizes throw {@link IllegalArgumentException} here, because the kernels behind this class skip
 * bounds checks they can prove from these checks, and an out-of-range segment read would be a confusing failure.
 */
public final class VectorOps {
    /** Below this many multiply-adds a matmul finishes before a pool thread would even wake up. */
    private static final long INLINE_WORK = 1 << 15;
    /** Smallest slice worth handing to another thread. */
    private static final long MIN_CHUNK_WORK = 1 << 14;

    private static final VectorOps SCALAR = new VectorOps(new ScalarKernels());

    private final Kernels kernels;

    private VectorOps(Kernels kernels) {
        this.kernels = kernels;
    }

    /** The process-wide instance: vector or scalar, chosen once (see {@link KernelSelection}). */
    public static VectorOps get() {
        return Default.INSTANCE;
    }

    public static VectorOps scalar() {
        return SCALAR;
    }

    /** The Vector API kernels, whatever the start-up choice was; fails if this JVM lacks jdk.incubator.vector. */
    public static VectorOps vector() {
        String missing = KernelSelection.vectorUnavailableReason();
        if (missing != null) {
            throw new UnsupportedOperationException("vector kernels unavailable: " + missing);
        }
        return Vector.INSTANCE;
    }

    /** "scalar" or "vector(bits)". */
    public String name() {
        return kernels.name();
    }

    Kernels kernels() {
        return kernels;
    }

    /** y[t][r] = sum_k w[r][k] * x[t][k] for x [tokens, w.cols()] and y [tokens, w.rows()], both row-major. */
    public void matmul(WeightMatrix w, float[] x, float[] y, int tokens) {
        Objects.requireNonNull(w, "w");
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if (tokens < 1) {
            throw new IllegalArgumentException("matmul: tokens must be >= 1, got " + tokens);
        }
        int rows = w.rows();
        int cols = w.cols();
        if ((long) tokens * cols > x.length) {
            throw new IllegalArgumentException("matmul: x has length " + x.length + " but tokens * cols = "
                    + tokens + " * " + cols + " = " + (long) tokens * cols);
        }
        if ((long) tokens * rows > y.length) {
            throw new IllegalArgumentException("matmul: y has length " + y.length + " but tokens * rows = "
                    + tokens + " * " + rows + " = " + (long) tokens * rows);
        }
        Parallel.IntRangeBody body = kernels.matmul(w, x, y, tokens);
        long rowWork = (long) cols * tokens;
        if (rowWork * rows < INLINE_WORK) {
            body.run(0, rows);
        } else {
            Parallel.forRange(rows, (int) Math.max(1, MIN_CHUNK_WORK / Math.max(1, rowWork)), body);
        }
    }

    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        count("dot", n);
        range("dot", "a", a, aOff, n);
        range("dot", "b", b, bOff, n);
        return kernels.dot(a, aOff, b, bOff, n);
    }

    /** y += alpha * x. */
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        count("axpy", n);
        range("axpy", "x", x, xOff, n);
        range("axpy", "y", y, yOff, n);
        kernels.axpy(alpha, x, xOff, y, yOff, n);
    }

    /** y += x. */
    public void add(float[] y, int yOff, float[] x, int xOff, int n) {
        count("add", n);
        range("add", "y", y, yOff, n);
        range("add", "x", x, xOff, n);
        kernels.add(y, yOff, x, xOff, n);
    }

    /** out = x / sqrt(mean(x^2) + eps) * weight; out may be x itself. */
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        count("rmsnorm", n);
        range("rmsnorm", "out", out, outOff, n);
        range("rmsnorm", "x", x, xOff, n);
        range("rmsnorm", "weight", weight, 0, n);
        kernels.rmsnorm(out, outOff, x, xOff, weight, n, eps);
    }

    /** In place, max-subtracted so that large scores do not overflow exp. */
    public void softmax(float[] x, int off, int n) {
        count("softmax", n);
        range("softmax", "x", x, off, n);
        kernels.softmax(x, off, n);
    }

    /** gate = silu(gate) * up, silu(g) = g / (1 + exp(-g)). */
    public void siluMul(float[] gate, int gateOff, float[] up, int upOff, int n) {
        count("siluMul", n);
        range("siluMul", "gate", gate, gateOff, n);
        range("siluMul", "up", up, upOff, n);
        kernels.siluMul(gate, gateOff, up, upOff, n);
    }

    /**
     * Rotate-half (Hugging Face) RoPE on one head of headDim at x[off..]; cos/sin hold headDim/2 values for this
     * position starting at tableOff: x1' = x1*c - x2*s, x2' = x2*c + x1*s.
     */
    public void rope(float[] x, int off, int headDim, float[] cos, float[] sin, int tableOff) {
        count("rope", headDim);
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("rope: headDim must be even, got " + headDim);
        }
        range("rope", "x", x, off, headDim);
        range("rope", "cos", cos, tableOff, headDim / 2);
        range("rope", "sin", sin, tableOff, headDim / 2);
        kernels.rope(x, off, headDim, cos, sin, tableOff);
    }

    /**
     * One query head over len cached positions: key j at keys[kvOff + j*kvStride .. +headDim], same for values;
     * scores (length >= len) is scratch; out[outOff..+headDim] = softmax(q.k*scale) . V.
     */
    public void attention(float[] q, int qOff, float[] keys, float[] values, int kvOff, int kvStride, int len,
                          int headDim, float scale, float[] scores, float[] out, int outOff) {
        count("attention", headDim);
        count("attention", len);
        if (kvStride < 0) {
            throw new IllegalArgumentException("attention: kvStride must be >= 0, got " + kvStride);
        }
        range("attention", "q", q, qOff, headDim);
        range("attention", "scores", scores, 0, len);
        range("attention", "out", out, outOff, headDim);
        if (len > 0) {
            long span = (long) (len - 1) * kvStride + headDim;
            cache("keys", keys, kvOff, span, len, kvStride);
            cache("values", values, kvOff, span, len, kvStride);
        }
        kernels.attention(q, qOff, keys, values, kvOff, kvStride, len, headDim, scale, scores, out, outOff);
    }

    /**
     * {@link #attention} over a paged cache: positions first .. first+len-1 of a sequence whose position p lives in
     * block blocks[p / blockSize], token slot p % blockSize; key p of this head at
     * keys[(blocks[p / blockSize] * blockSize + p % blockSize) * kvDim + headOff .. +headDim], same for values.
     * Same arithmetic as the contiguous attention, so a paged sequence gets the same bits.
     */
    public void pagedAttention(float[] q, int qOff, float[] keys, float[] values, int[] blocks, int blockSize, int kvDim,
                               int headOff, int first, int len, int headDim, float scale, float[] scores, float[] out,
                               int outOff) {
        count("pagedAttention", headDim);
        count("pagedAttention", len);
        count("pagedAttention", first);
        if (blockSize < 1 || headOff < 0 || headOff + headDim > kvDim) {
            throw new IllegalArgumentException("pagedAttention: block size " + blockSize + " and head [" + headOff
                    + ", " + (headOff + headDim) + ") must fit a token of kvDim " + kvDim);
        }
        range("pagedAttention", "q", q, qOff, headDim);
        range("pagedAttention", "scores", scores, 0, len);
        range("pagedAttention", "out", out, outOff, headDim);
        if (len > 0) {
            int last = (first + len - 1) / blockSize;
            if (last >= blocks.length) {
                throw new IllegalArgumentException("pagedAttention: position " + (first + len - 1) + " needs block "
                        + last + " of a table of " + blocks.length);
            }
            long blockFloats = (long) blockSize * kvDim;
            for (int b = first / blockSize; b <= last; b++) {
                if (blocks[b] < 0 || (blocks[b] + 1) * blockFloats > Math.min(keys.length, values.length)) {
                    throw new IllegalArgumentException("pagedAttention: block " + blocks[b] + " is outside caches of "
                            + keys.length + " keys and " + values.length + " values");
                }
            }
        }
        kernels.pagedAttention(q, qOff, keys, values, blocks, blockSize, kvDim, headOff, first, len, headDim, scale,
                scores, out, outOff);
    }

    private static void count(String op, int n) {
        if (n < 0) {
            throw new IllegalArgumentException(op + ": length must be >= 0, got " + n);
        }
    }

    private static void range(String op, String name, float[] a, int off, int n) {
        Objects.requireNonNull(a, name);
        if (off < 0 || (long) off + n > a.length) {
            throw new IllegalArgumentException(op + ": " + name + "[" + off + ", " + ((long) off + n)
                    + ") is out of bounds for length " + a.length);
        }
    }

    private static void cache(String name, float[] a, int kvOff, long span, int len, int kvStride) {
        Objects.requireNonNull(a, name);
        if (kvOff < 0 || kvOff + span > a.length) {
            throw new IllegalArgumentException("attention: " + name + " needs [" + kvOff + ", " + (kvOff + span)
                    + ") for len " + len + " and kvStride " + kvStride + ", but has length " + a.length);
        }
    }

    private static final class Default {
        static final VectorOps INSTANCE = KernelSelection.useVector() ? vector() : SCALAR;
    }

    /** A holder, so that jdk.incubator.vector is loaded only by a caller that asked for the vector kernels. */
    private static final class Vector {
        static final VectorOps INSTANCE = new VectorOps(new PanamaKernels());
    }
}
