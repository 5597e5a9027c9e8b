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
 * Q4_0 is the exception: it is repacked once into heap arrays ({@link Q4_0Rows}, the same 4.5 bits per weight) whose
 * layout the 512-bit kernel reads with one load per four blocks; the mapped blocks are then no longer used.
 */
public final class GgufLinear extends PackedLinear {
    /** Vector kernels only where the float kernels use vectors too (same module check, same override). */
    private static final boolean VECTOR = VectorOps.get().name().startsWith("vector")
            && GgufVectorKernels.supportsPreferredShape();
    private static final boolean Q4_VECTOR = VectorOps.get().name().startsWith("vector") && Q4_0Kernels.usable();

    private final GgmlType type;
    private final MemorySegment data; // [out rows of rowBytes]; null when repacked
    private final Q4_0Rows q4; // Q4_0 only
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
        if (type == GgmlType.Q4_0) {
            this.q4 = Q4_0Rows.repack(data, rowBytes, inFeatures, outFeatures);
            this.data = null;
        } else {
            this.q4 = null;
            this.data = data;
        }
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
    protected TokenKernel forToken(float[] x, int xOff) {
        if (q4 != null && Q4_VECTOR) {
            Q4_0Kernels.Input in = Q4_0Kernels.input(q4, x, xOff);
            return (y, yOff, r0, r1) -> Q4_0Kernels.matvec(q4, in, y, yOff, r0, r1);
        }
        if (VECTOR && q4 == null) {
            return (y, yOff, r0, r1) ->
                    GgufVectorKernels.matvec(type, data, rowBytes, inFeatures, x, xOff, y, yOff, r0, r1);
        }
        return (y, yOff, r0, r1) -> {
            float[] row = new float[inFeatures];
            for (int r = r0; r < r1; r++) {
                dequantizeRows(r, r + 1, row);
                float sum = 0;
                for (int k = 0; k < inFeatures; k++) {
                    sum += row[k] * x[xOff + k];
                }
                y[yOff + r - r0] = sum;
            }
        };
    }

    @Override
    public void dequantizeRows(int r0, int r1, float[] out) {
        if (q4 != null) {
            q4.dequantizeRows(r0, r1, out);
            return;
        }
        for (int r = r0; r < r1; r++) {
            GgmlDequantizer.dequantize(type, data, r * rowBytes, out, (r - r0) * inFeatures, inFeatures);
        }
    }

    @Override
    protected void dequantizeTile(int r0, int r1, float[] out) {
        if (q4 != null && Q4_VECTOR) {
            Q4_0Kernels.dequantize(q4, r0, r1, out);
        } else if (q4 == null && VECTOR && GgufVectorKernels.dequantizes(type)) {
            GgufVectorKernels.dequantize(type, data, rowBytes, inFeatures, r0, r1, out);
        } else {
            dequantizeRows(r0, r1, out);
        }
    }

    /** The vector tile dequantizer directly (for tests comparing it with the scalar one). */
    void dequantizeTileVector(int r0, int r1, float[] out) {
        if (q4 != null) {
            Q4_0Kernels.dequantize(q4, r0, r1, out);
            return;
        }
        GgufVectorKernels.dequantize(type, data, rowBytes, inFeatures, r0, r1, out);
    }

    @Override
    public long weightBytes() {
        return q4 != null ? q4.bytes() : data.byteSize();
    }
}
