package io.quantserve.engine.linear.compressed;

import io.quantserve.engine.kernel.Parallel;
import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.linear.Linear;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * W8A8 int8 linear layer (SmoothQuant-style, compressed-tensors' int-quantized channel/token scheme): int8 weights
 * with one float scale per output channel, activations quantized per token at run time (symmetric,
 * scale = max|x| / 127), int8 x int8 products summed exactly in int32, then y = acc * x_scale[t] * w_scale[o].
 * SmoothQuant's per-channel smoothing is already folded into the preceding norm weights by the quantizer, so nothing
 * extra happens here. Prefill runs on int8 too: each token is quantized once per call, then every row is multiplied
 * with every token.
 */
public final class W8A8Linear implements Linear {
    private static final boolean VECTOR = VectorOps.get().name().startsWith("vector");
    /** Smallest slice of multiply-adds worth a pool thread. */
    private static final long MIN_CHUNK_WORK = 1 << 14;

    private final int inFeatures;
    private final int outFeatures;
    private final MemorySegment weight; // [out, in] int8
    private final float[] weightScale;  // [out]
    private final float[] bias;         // [out] or null
    private final VectorOps ops = VectorOps.get();

    /** {@code weight} may be a mapped checkpoint tensor; it is not copied. */
    public W8A8Linear(int inFeatures, int outFeatures, MemorySegment weight, float[] weightScale, float[] bias) {
        if (weight.byteSize() != (long) inFeatures * outFeatures) {
            throw new IllegalArgumentException("int8 weight has " + weight.byteSize() + " bytes, expected "
                    + outFeatures + "x" + inFeatures);
        }
        if (weightScale.length != outFeatures) {
            throw new IllegalArgumentException("weight_scale has " + weightScale.length + " values, expected "
                    + outFeatures);
        }
        if (bias != null && bias.length != outFeatures) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, expected " + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = weight;
        this.weightScale = weightScale;
        this.bias = bias;
    }

    @Override
    public int inFeatures() {
        return inFeatures;
    }

    @Override
    public int outFeatures() {
        return outFeatures;
    }

    @Override
    public long weightBytes() {
        return weight.byteSize() + 4L * weightScale.length;
    }

    @Override
    public void apply(float[] x, float[] y, int tokens) {
        short[] xq = new short[tokens * inFeatures]; // int8 values, widened once for the kernels
        float[] xScale = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            xScale[t] = W8A8Linears.quantizeActivations(x, t * inFeatures, inFeatures, xq, t * inFeatures);
        }
        long rowWork = (long) inFeatures * tokens;
        Parallel.forRange(outFeatures, (int) Math.max(1, MIN_CHUNK_WORK / rowWork),
                (r0, r1) -> rows(xq, xScale, y, tokens, r0, r1, VECTOR));
        if (bias != null) {
            for (int t = 0; t < tokens; t++) {
                ops.add(y, t * outFeatures, bias, 0, outFeatures);
            }
        }
    }

    /** Rows [r0, r1) for every token, with the vector or the scalar integer dot. */
    void rows(short[] xq, float[] xScale, float[] y, int tokens, int r0, int r1, boolean vector) {
        for (int r = r0; r < r1; r++) {
            long off = (long) r * inFeatures;
            for (int t = 0; t < tokens; t++) {
                int acc = vector
                        ? PanamaW8A8.dot(weight, off, xq, t * inFeatures, inFeatures)
                        : dotScalar(weight, off, xq, t * inFeatures, inFeatures);
                y[t * outFeatures + r] = acc * xScale[t] * weightScale[r];
            }
        }
    }

    /** The scalar reference: exact int32 sum of int8 weight times int8 activation. */
    static int dotScalar(MemorySegment w, long off, short[] x, int xOff, int n) {
        int acc = 0;
        for (int k = 0; k < n; k++) {
            acc += w.get(ValueLayout.JAVA_BYTE, off + k) * x[xOff + k];
        }
        return acc;
    }

    /** The weight as floats [out, in] (int8 times its channel scale): for tests and references only. */
    public float[] dequantizeWeight() {
        float[] out = new float[outFeatures * inFeatures];
        for (int r = 0; r < outFeatures; r++) {
            for (int k = 0; k < inFeatures; k++) {
                out[r * inFeatures + k] = weight.get(ValueLayout.JAVA_BYTE, (long) r * inFeatures + k) * weightScale[r];
            }
        }
        return out;
    }
}
