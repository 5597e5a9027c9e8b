package io.quantserve.engine.gpu;

/**
 * How {@code awq_gemv_tokens<T>_f16/_f32} cover m tokens of a [K, N] AWQ matrix: {@code tokensPerBlock} tokens a block (1,
 * 2, 4 or 8: the kernel variant; groups of 8 above 8 tokens, grid z), column tiles of 32 words (grid x) and slices of K
 * (grid y) up to one wave of blocks, as {@link AwqPlan}: two blocks a multiprocessor, four for the one-token variant
 * (its {@code __launch_bounds__}). A slice's x is staged in shared memory as fp32 [row][token], so a slice holds at
 * most {@value #MAX_STAGED_VALUES} / tokensPerBlock rows (32 KB).
 *
 * @param tokensPerBlock  1, 2, 4 or 8
 * @param tokenGroups     grid z: ceil(m / tokensPerBlock)
 * @param tiles           grid x: tiles of 32 packed words
 * @param splits          grid y: slices of K, each writing fp32 partials [m, N] (added by the last block of each
 *                        tile and token group; one slice writes y)
 * @param rowsPerSplit    rows of K per slice, a multiple of 32
 */
public record AwqTokensPlan(int tokensPerBlock, int tokenGroups, int tiles, int splits, int rowsPerSplit) {
    static final int THREADS = 256;
    static final int MAX_STAGED_VALUES = 8192;
    /** The most tokens the batched GEMV is meant for: above, the tensor-core GEMM reads the weights once for all. */
    public static final int MAX_TOKENS = 32;
    /** Blocks a multiprocessor holds of the one-token variant: its {@code __launch_bounds__(256, 4)}. */
    static final int ONE_TOKEN_BLOCKS_PER_SM = 4;

    public static AwqTokensPlan of(int m, int k, int n, int multiprocessors) {
        if (m < 1 || k < 1 || n < 8 || n % 8 != 0) {
            throw new IllegalArgumentException("batched AWQ GEMV of " + m + " tokens over [" + k + ", " + n + "]: "
                    + "out_features must be a positive multiple of 8, in_features and tokens positive");
        }
        int perBlock = m == 1 ? 1 : m <= 2 ? 2 : m <= 4 ? 4 : 8;
        int groups = (m + perBlock - 1) / perBlock;
        int tiles = AwqPlan.tiles(n);
        int blocksPerSm = perBlock == 1 ? ONE_TOKEN_BLOCKS_PER_SM : AwqPlan.BLOCKS_PER_SM;
        int rows = AwqPlan.rowsPerSlice(k, AwqPlan.ROWS_PER_STEP, MAX_STAGED_VALUES / perBlock / AwqPlan.ROWS_PER_STEP,
                (long) tiles * groups, (long) blocksPerSm * multiprocessors);
        return new AwqTokensPlan(perBlock, groups, tiles, (k + rows - 1) / rows, rows);
    }

    public LaunchShape shape() {
        return new LaunchShape(tiles, splits, tokenGroups, THREADS, 1, 1, 4 * rowsPerSplit * tokensPerBlock);
    }

    /** fp32 partial sums the workspace must hold: splits x m x N. */
    public long workspaceBytes(int m, int n) {
        return 4L * splits * m * n;
    }
}
