package io.quantserve.engine.gpu;

/**
 * How {@code awq_mma_f16/_f32} cover m tokens of a [K, N] AWQ matrix: 8 tokens a block (grid z over groups of
 * 8), tiles of 32 packed words (4 warps of 8 words; grid x) and slices of K (grid y) up to one wave of
 * {@value #BLOCKS_PER_SM} blocks a multiprocessor (43.5 KB of shared memory and 124 registers a thread each), each
 * slice a whole number of the kernel's 32-row stages.
 *
 * @param tokenGroups   grid z: ceil(m / 8)
 * @param tiles         grid x: tiles of 32 packed words
 * @param splits        grid y: slices of K, each writing fp32 partials [m, N] (added by the last block of each
 *                      tile and group of 8 tokens; one slice writes y)
 * @param rowsPerSplit  rows of K per slice, a multiple of 32
 */
public record AwqMmaPlan(int tokenGroups, int tiles, int splits, int rowsPerSplit) {
    static final int THREADS = 128;
    static final int ROWS_PER_STAGE = 32;
    static final int BLOCKS_PER_SM = 4;

    /** Whether the kernel takes this layer: K a multiple of 16 (x in 16-byte pieces), N of 32, groups of 16 rows. */
    public static boolean supports(int k, int n, int groupSize) {
        return k > 0 && k % 16 == 0 && n > 0 && n % 32 == 0 && groupSize > 0 && groupSize % 16 == 0;
    }

    public static AwqMmaPlan of(int m, int k, int n, int groupSize, int multiprocessors) {
        if (m < 1 || !supports(k, n, groupSize)) {
            throw new IllegalArgumentException("AWQ mma product of " + m + " tokens over [" + k + ", " + n + "], group "
                    + groupSize + ": needs in_features a multiple of 16, out_features of 32, the group size of 16");
        }
        int groups = (m + 7) / 8;
        int tiles = AwqPlan.tiles(n);
        int rows = AwqPlan.rowsPerSlice(k, ROWS_PER_STAGE, Integer.MAX_VALUE, (long) tiles * groups,
                (long) BLOCKS_PER_SM * multiprocessors);
        return new AwqMmaPlan(groups, tiles, (k + rows - 1) / rows, rows);
    }

    public LaunchShape shape() {
        return new LaunchShape(tiles, splits, tokenGroups, THREADS, 1, 1, 0);
    }

    /** fp32 partial sums the workspace must hold: splits x m x N. */
    public long workspaceBytes(int m, int n) {
        return 4L * splits * m * n;
    }
}
