package io.quantserve.engine.gpu;

/**
 * How {@code awq_gemv_f16/_f32} split a [K, N] AWQ matrix: column tiles of 32 words (256 outputs) times slices
 * of K, as many blocks as the device holds at once and no more (N alone gives a 7B model's 4096 outputs only 16
 * tiles; a second, partly filled wave would leave most multiprocessors idle at its end); each slice is a whole
 * number of the kernel's 32-row steps, and at most {@value #MAX_ROWS_PER_SPLIT} rows (the ring kernel stages a
 * slice's x in 16 KB of shared memory; only a K above that with more tiles than the device holds blocks splits more).
 *
 * @param tiles         grid x: tiles of 32 packed words (one counter each, see awq_gemv.cu)
 * @param splits        grid y: slices of K, each writing one fp32 partial per output
 * @param rowsPerSplit  rows of K per slice, a multiple of 32
 */
public record AwqPlan(int tiles, int splits, int rowsPerSplit) {
    static final int THREADS = 256;
    static final int TILE_WORDS = 32;
    static final int ROWS_PER_STEP = 32;
    /** Blocks a multiprocessor holds at once: the kernel's {@code __launch_bounds__(256, 2)}. */
    static final int BLOCKS_PER_SM = 2;
    static final int MAX_ROWS_PER_SPLIT = 8192;
    private static final int MAX_STEPS = MAX_ROWS_PER_SPLIT / ROWS_PER_STEP;

    public static AwqPlan of(int k, int n, int multiprocessors) {
        return of(k, n, multiprocessors, BLOCKS_PER_SM);
    }

    /** As {@link #of(int, int, int)} with one wave of {@code blocksPerSm} blocks a multiprocessor (1 or 2). */
    public static AwqPlan of(int k, int n, int multiprocessors, int blocksPerSm) {
        if (k < 1 || n < 8 || n % 8 != 0) {
            throw new IllegalArgumentException("AWQ matrix [" + k + ", " + n + "]: out_features must be a positive "
                    + "multiple of 8 and in_features positive");
        }
        int tiles = tiles(n);
        int rows = rowsPerSlice(k, ROWS_PER_STEP, MAX_STEPS, tiles, (long) blocksPerSm * multiprocessors);
        return new AwqPlan(tiles, (k + rows - 1) / rows, rows);
    }

    /** Tiles of {@value #TILE_WORDS} packed words (256 outputs) over N. */
    static int tiles(int n) {
        return (n / 8 + TILE_WORDS - 1) / TILE_WORDS;
    }

    /**
     * Rows of K a slice takes so that {@code blocksPerSlice} blocks times the slices fill at most {@code wanted}
     * blocks (one wave), at least one slice and at most one per step of {@code stepRows} rows, no slice over
     * {@code maxSteps} steps; a multiple of {@code stepRows}. The AWQ plans share it.
     */
    static int rowsPerSlice(int k, int stepRows, int maxSteps, long blocksPerSlice, long wanted) {
        int steps = (k + stepRows - 1) / stepRows;
        int splits = (int) Math.clamp(Math.max(1, wanted) / blocksPerSlice, Math.ceilDiv(steps, maxSteps), steps);
        return (steps + splits - 1) / splits * stepRows;
    }

    public LaunchShape partialShape() {
        return new LaunchShape(tiles, splits, 1, THREADS, 1, 1, 0);
    }

    /** fp32 partial sums the workspace must hold: splits x N. */
    public long workspaceBytes(int n) {
        return 4L * splits * n;
    }
}
