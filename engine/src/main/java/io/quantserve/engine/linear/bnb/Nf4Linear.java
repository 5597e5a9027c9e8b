package io.quantserve.engine.linear.bnb;

import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.linear.PackedLinear;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A bitsandbytes NF4 weight kept packed: the row-major [out, in] weight flattened, two 4-bit codes per byte (even
 * element in the high nibble), one float absmax per {@code blocksize} consecutive elements of the flattened weight.
 * Blocks run across row ends when {@code in} is not a multiple of the block size, as bitsandbytes lays them out.
 * In memory: 4 bits per weight plus 32 bits per block (4.5 bits per weight at the usual block size 64; a
 * double-quantized checkpoint's 8-bit absmax is decoded to float at load time).
 */
public final class Nf4Linear extends PackedLinear {
    private static final boolean VECTOR = VectorOps.get().name().startsWith("vector");

    private final MemorySegment packed; // [ceil(out * in / 2)] bytes
    private final float[] absmax;       // [ceil(out * in / blocksize)]
    private final int blocksize;
    private final int blockShift; // log2(blocksize)

    /** Checks that the sizes fit; {@code packed} may be a mapped checkpoint tensor, it is not copied. */
    public Nf4Linear(int inFeatures, int outFeatures, float[] bias, MemorySegment packed, float[] absmax,
            int blocksize) {
        super(inFeatures, outFeatures, bias);
        long n = (long) inFeatures * outFeatures;
        if (!Nf4.validBlocksize(blocksize)) {
            throw new IllegalArgumentException("blocksize " + blocksize + " is not a power of two in [32, 4096]");
        }
        if (packed.byteSize() != (n + 1) / 2) {
            throw new IllegalArgumentException("packed weight has " + packed.byteSize() + " bytes, expected "
                    + (n + 1) / 2 + " for " + outFeatures + "x" + inFeatures);
        }
        if (absmax.length != (n + blocksize - 1) / blocksize) {
            throw new IllegalArgumentException("absmax has " + absmax.length + " values, expected "
                    + (n + blocksize - 1) / blocksize + " (blocksize " + blocksize + ")");
        }
        if (bias != null && bias.length != outFeatures) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, expected " + outFeatures);
        }
        this.packed = packed;
        this.absmax = absmax;
        this.blocksize = blocksize;
        this.blockShift = Integer.numberOfTrailingZeros(blocksize);
    }

    public int blocksize() {
        return blocksize;
    }

    MemorySegment packed() {
        return packed;
    }

    float[] absmax() {
        return absmax;
    }

    @Override
    public long weightBytes() {
        return packed.byteSize() + 4L * absmax.length;
    }

    @Override
    protected TokenKernel forToken(float[] x, int xOff) {
        if (VECTOR && PanamaNf4.supports(inFeatures, blocksize)) {
            float[] xs = PanamaNf4.evenOdd(x, xOff, inFeatures);
            return (y, yOff, r0, r1) -> PanamaNf4.matvecRows(packed, absmax, blocksize, inFeatures, xs, y, yOff, r0, r1);
        } else if (VECTOR) {
            return (y, yOff, r0, r1) -> matvecViaRowBuffer(x, xOff, y, yOff, r0, r1);
        }
        return (y, yOff, r0, r1) -> matvecRowsScalar(x, xOff, y, yOff, r0, r1);
    }

    /** The scalar reference: each weight decoded on its own, as bitsandbytes' dequantize_4bit defines it. */
    void matvecRowsScalar(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            long e = (long) r * inFeatures;
            float acc = 0;
            for (int k = 0; k < inFeatures; k++, e++) {
                acc += weight(e) * x[xOff + k];
            }
            y[yOff + r - r0] = acc;
        }
    }

    /**
     * Rows whose blocks do not line up with the row start (in_features not a multiple of the block size) are
     * decoded into a float buffer and multiplied with the vector dot: such layers are small (e.g. a 172-wide FFN).
     */
    void matvecViaRowBuffer(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        VectorOps ops = VectorOps.get();
        float[] row = new float[inFeatures];
        for (int r = r0; r < r1; r++) {
            dequantizeRows(r, r + 1, row);
            y[yOff + r - r0] = ops.dot(row, 0, x, xOff, inFeatures);
        }
    }

    @Override
    protected void dequantizeTile(int r0, int r1, float[] out) {
        if (VECTOR && PanamaNf4.supports(inFeatures, blocksize)) {
            PanamaNf4.dequantize(packed, absmax, blocksize, inFeatures, r0, r1, out);
        } else {
            dequantizeRows(r0, r1, out);
        }
    }

    /** Byte by byte: both codes of a byte share a block, since blocks have an even size. Prefill runs on this. */
    @Override
    public void dequantizeRows(int r0, int r1, float[] out) {
        long e = (long) r0 * inFeatures;
        int count = (r1 - r0) * inFeatures;
        int i = 0;
        if ((e & 1) == 1 && count > 0) { // a row starting in the low nibble (odd in_features)
            out[i++] = weight(e++);
        }
        for (; i + 1 < count; i += 2, e += 2) {
            byte b = packed.get(ValueLayout.JAVA_BYTE, e >>> 1);
            float scale = absmax[(int) (e >>> blockShift)];
            out[i] = Nf4.CODES[(b >> 4) & 0xF] * scale;
            out[i + 1] = Nf4.CODES[b & 0xF] * scale;
        }
        if (i < count) {
            out[i] = weight(e);
        }
    }

    private float weight(long e) {
        byte b = packed.get(ValueLayout.JAVA_BYTE, e >>> 1);
        return Nf4.CODES[Nf4.code(b, e)] * absmax[(int) (e >>> blockShift)];
    }
}
