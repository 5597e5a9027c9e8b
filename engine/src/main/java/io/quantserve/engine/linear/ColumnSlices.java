package io.quantserve.engine.linear;

/**
 * The column-sliced layout of the repacked 4-bit weights ({@link GroupIntLinear}, GGUF Q4_0): a row is a sequence of
 * fixed-size blocks, and rows longer than one slice of {@code 2^sliceShift} blocks are cut into column slices, the
 * last one narrower; each slice is stored for all rows before the next. Block {@code k} of row {@code r} lies in
 * slice {@code s = k >> sliceShift} at block index {@code s·S·rows + r·width(s) + k − s·S} (S blocks per slice).
 * Rows of at most one slice are plain row-major.
 *
 * <p>Why: the decode kernels run one slice over all of their rows before the next, so the slice's inputs stay in
 * L1 while the weights stream past. A 4-bit weight reads 8 times its bytes of float input, and over whole rows of
 * 8192 channels the 32 KB of inputs did not stay (Zen 5, 48 KB L1; a one-thread harness at 2048x8192: 19 GB/s of
 * packed weights over whole rows, 31 in slices of 2048 channels, 33 in slices of 4096).
 */
public final class ColumnSlices {
    /** Inputs per slice: 16 KB of floats. */
    public static final int CHANNELS = 4096;
    /**
     * A slice shift that no row reaches (2^24 blocks): the weight stays plain row-major. Small enough that a slice's
     * count of 16-channel chunks (up to 16 per block) still fits in an int.
     */
    public static final int WHOLE_ROWS = 24;

    private ColumnSlices() {
    }

    /** log2 of the blocks per slice, for blocks of {@code blockChannels} inputs (a power of two up to CHANNELS). */
    public static int sliceShift(int blockChannels) {
        return Integer.numberOfTrailingZeros(CHANNELS / blockChannels);
    }

    /** The index, counted in blocks, of block {@code k} of row {@code r} in a [rows, blocks] weight. */
    public static int blockIndex(int r, int k, int rows, int blocks, int sliceShift) {
        int first = k >>> sliceShift << sliceShift;
        int width = Math.min(1 << sliceShift, blocks - first);
        return first * rows + r * width + k - first;
    }
}
