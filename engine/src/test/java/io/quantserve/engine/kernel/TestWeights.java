package io.quantserve.engine.kernel;

import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/** Builds little-endian weight matrices the way a safetensors file stores them, plus the exact values stored. */
record TestWeights(WeightMatrix matrix, float[] values) {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Gaussian values scaled by 2^-(0..24), so that F16 also sees subnormals and BF16 a wide exponent range. The
     * returned values are the stored ones after rounding to the dtype, so references can be exact.
     */
    static TestWeights random(DType dtype, int rows, int cols, Random rnd) {
        float[] wanted = new float[rows * cols];
        for (int i = 0; i < wanted.length; i++) {
            wanted[i] = (float) (rnd.nextGaussian() * Math.scalb(1.0, -rnd.nextInt(25)));
        }
        return of(dtype, rows, cols, wanted);
    }

    static TestWeights of(DType dtype, int rows, int cols, float[] wanted) {
        MemorySegment seg = Arena.ofAuto().allocate((long) wanted.length * dtype.bytes());
        float[] stored = new float[wanted.length];
        for (int i = 0; i < wanted.length; i++) {
            switch (dtype) {
                case F32 -> {
                    seg.setAtIndex(F32, i, wanted[i]);
                    stored[i] = wanted[i];
                }
                case BF16 -> {
                    short bits = toBf16(wanted[i]);
                    seg.setAtIndex(I16, i, bits);
                    stored[i] = Float.intBitsToFloat(bits << 16);
                }
                case F16 -> {
                    short bits = Float.floatToFloat16(wanted[i]);
                    seg.setAtIndex(I16, i, bits);
                    stored[i] = Float.float16ToFloat(bits);
                }
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return new TestWeights(new WeightMatrix(seg, dtype, rows, cols), stored);
    }

    /** Round to nearest even, as PyTorch does when it casts to bfloat16 (inputs here are finite). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}
