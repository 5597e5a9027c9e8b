package io.quantserve.engine.linear.gguf;

import io.quantserve.engine.linear.ColumnSlices;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0 weights repacked at load time for the decode kernel: each row is cut into super-blocks of four ggml blocks
 * (128 elements); a super-block is 16 ints (one 512-bit load), and int lane {@code i} holds byte {@code i} of the
 * four blocks' nibble bytes, block {@code b} in bits {@code 8b .. 8b+7}. So bits {@code 8b .. 8b+3} of lane i are
 * element {@code 32b + i} and bits {@code 8b+4 .. 8b+7} element {@code 32b + 16 + i}: every field holds 16
 * consecutive elements, and x needs no reordering, only scaling (see {@link Q4_0Kernels}). The fp16 block scales are
 * kept as they are, one short per block. A row whose block count is not a multiple of four is padded with zero
 * nibbles and zero scales, which contribute nothing. At whole super-blocks that is 16·4 + 4·16 bits per 128
 * weights: 4.5 bits per weight, the same bytes as the GGUF file. Rows longer than 4096 elements are stored in column
 * slices ({@link ColumnSlices}, a super-block being the unit), for the scales as for the nibbles.
 */
final class Q4_0Rows {
    static final int SUPER = 128;

    final int in;
    final int rows;
    /** Super-blocks per row. */
    final int supers;
    final int sliceShift = ColumnSlices.sliceShift(SUPER);
    final int[] packed;   // [rows * supers * 16], in column slices
    final short[] scales; // [rows * supers * 4], fp16 bits, in column slices

    private Q4_0Rows(int in, int rows) {
        this.in = in;
        this.rows = rows;
        this.supers = (in / 32 + 3) / 4;
        if ((long) rows * supers * 16 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Q4_0 weight [" + rows + ", " + in + "] is too large to repack");
        }
        this.packed = new int[rows * supers * 16];
        this.scales = new short[rows * supers * 4];
    }

    /** Repacks {@code rows} rows of ggml Q4_0 blocks ({@code rowBytes} apart) from {@code data}. */
    static Q4_0Rows repack(MemorySegment data, long rowBytes, int in, int rows) {
        Q4_0Rows q = new Q4_0Rows(in, rows);
        int blocks = in / 32;
        byte[] row = new byte[(int) rowBytes];
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, r * rowBytes, row, 0, row.length);
            for (int b = 0; b < blocks; b++) {
                int at = b * 18;
                int sb = q.superAt(r, b >>> 2);
                q.scales[sb * 4 + (b & 3)] = (short) ((row[at] & 0xFF) | (row[at + 1] << 8));
                int lane0 = sb * 16;
                int shift = (b & 3) * 8;
                for (int i = 0; i < 16; i++) {
                    q.packed[lane0 + i] |= (row[at + 2 + i] & 0xFF) << shift;
                }
            }
        }
        return q;
    }

    /** The scalar reference: out[(r - r0) * in + k] = (q - 8) * d, as ggml's dequantizer (exact in float). */
    void dequantizeRows(int r0, int r1, float[] out) {
        int blocks = in / 32;
        for (int r = r0; r < r1; r++) {
            int o = (r - r0) * in;
            for (int b = 0; b < blocks; b++) {
                int sb = superAt(r, b >>> 2);
                float d = Float.float16ToFloat(scales[sb * 4 + (b & 3)]);
                int lane0 = sb * 16;
                int shift = (b & 3) * 8;
                for (int i = 0; i < 16; i++) {
                    int v = packed[lane0 + i] >>> shift;
                    out[o + 32 * b + i] = ((v & 0xF) - 8) * d;
                    out[o + 32 * b + 16 + i] = (((v >>> 4) & 0xF) - 8) * d;
                }
            }
        }
    }

    /** The index, counted in super-blocks, of super-block {@code s} of row {@code r}. */
    int superAt(int r, int s) {
        return ColumnSlices.blockIndex(r, s, rows, supers, sliceShift);
    }

    long bytes() {
        return 4L * packed.length + 2L * scales.length;
    }
}
