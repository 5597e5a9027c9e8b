package io.quantserve.engine.linear.gguf;

import io.quantserve.engine.format.gguf.GgmlDequantizer;
import io.quantserve.engine.format.gguf.GgmlType;
import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.linear.PackedLinear;
import java.lang.foreign.MemorySegment;

/**
 * A weight [out, in] kept in ggml blocks (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K), as GGUF stores it: each row is
 * {@code in / blockElements} consecutive blocks along the input dimension, so row r starts at
 * {@code r * rowBytes}. Decode multiplies straight from the blocks; prefill uses the base class's dequantized tiles.
 */
public final class GgufLinear extends PackedLinear {
    /** Vector kernels only where the float kernels use vectors too (same module check, same override). */
    private static final boolean VECTOR = VectorOps.get().name().startsWith("vector")
            && GgufVectorKernels.supportsPreferredShape();

    private final GgmlType type;
    private final MemorySegment data; // [out rows of rowBytes]
    private final long rowBytes;

    /**
     * @throws IllegalArgumentException if the type has no kernel, {@code in} is not whole blocks, or the data is not
     *                                  exactly {@code out} rows
     */
    public GgufLinear(GgmlType type, MemorySegment data, int inFeatures, int outFeatures, float[] bias) {
        super(inFeatures, outFeatures, bias);
        if (!supports(type)) {
            throw new IllegalArgumentException("no packed kernel for " + type + " (supported: Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)");
        }
        if (inFeatures % type.blockElements() != 0) {
            throw new IllegalArgumentException("input size " + inFeatures + " is not a multiple of the " + type
                    + " block size " + type.blockElements());
        }
        this.rowBytes = type.byteSize(inFeatures);
        if (data.byteSize() != rowBytes * outFeatures) {
            throw new IllegalArgumentException(type + " weight [" + outFeatures + ", " + inFeatures + "] needs "
                    + rowBytes * outFeatures + " bytes, got " + data.byteSize());
        }
        if (bias != null && bias.length != outFeatures) {
            throw new IllegalArgumentException("bias has " + bias.length + " elements, expected " + outFeatures);
        }
        this.type = type;
        this.data = data;
    }

    public static boolean supports(GgmlType type) {
        return switch (type) {
            case Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    public GgmlType type() {
        return type;
    }

    @Override
    protected void matvecRows(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        if (VECTOR) {
            GgufVectorKernels.matvec(type, data, rowBytes, inFeatures, x, xOff, y, yOff, r0, r1);
            return;
        }
        float[] row = new float[inFeatures];
        for (int r = r0; r < r1; r++) {
            GgmlDequantizer.dequantize(type, data, r * rowBytes, row, 0, inFeatures);
            float sum = 0;
            for (int k = 0; k < inFeatures; k++) {
                sum += row[k] * x[xOff + k];
            }
            y[yOff + r - r0] = sum;
        }
    }

    @Override
    public void dequantizeRows(int r0, int r1, float[] out) {
        for (int r = r0; r < r1; r++) {
            GgmlDequantizer.dequantize(type, data, r * rowBytes, out, (r - r0) * inFeatures, inFeatures);
        }
    }

    @Override
    protected void dequantizeTile(int r0, int r1, float[] out) {
        if (VECTOR && GgufVectorKernels.dequantizes(type)) {
            GgufVectorKernels.dequantize(type, data, rowBytes, inFeatures, r0, r1, out);
        } else {
            dequantizeRows(r0, r1, out);
        }
    }

    /** The vector tile dequantizer directly (for tests comparing it with the scalar one). */
    void dequantizeTileVector(int r0, int r1, float[] out) {
        GgufVectorKernels.dequantize(type, data, rowBytes, inFeatures, r0, r1, out);
    }

    @Override
    public long weightBytes() {
        return data.byteSize();
    }
}
