package io.quantserve.engine.gpu;

/**
 * How a tensor-core GEMM of gemm.cu covers out[M, N]: blocks of {@code blockM} x {@value #BLOCK_N} outputs (grid x
 * over N, y over M), and slices of K (grid z) when those blocks alone would leave multiprocessors idle. With more than
 * one slice each writes fp32 partial sums ({@link #workspaceBytes}) that the last block of each output tile adds in
 * order (one launch).
 *
 * @param blockM     rows of M per block: the kernel variant ({@code _bm<blockM>})
 * @param threads    threads per block
 * @param tilesN     grid x
 * @param tilesM     grid y
 * @param splits     grid z: slices of K
 * @param kPerSplit  rows of K per slice, a multiple of the kernel's K tile
 * @param sharedBytes dynamic shared memory a block: the dense kernels' cp.async stages (the AWQ kernels' is static)
 */
public record GemmPlan(int blockM, int threads, int tilesN, int tilesM, int splits, int kPerSplit, int sharedBytes) {
    static final int BLOCK_N = 128;
    static final int DENSE_BLOCK_K = 32;
    /** A dense stage's shared row: the K tile and 8 values of padding (gemm.cu's GEMM_LD). */
    static final int DENSE_ROW = DENSE_BLOCK_K + 8;
    static final int DENSE_BM32_STAGES = 3;
    static final int DENSE_BM128_STAGES = 4;
    static final int AWQ_BLOCK_K = 64;
    /** Resident blocks per multiprocessor the split aims to fill (shared memory allows ~5 of the small variants). */
    static final int BLOCKS_PER_SM = 4;

    /**
     * Dense f16/bf16 weights: bm32 (4 warps, 3 stages: 37.5 KB) up to 32 tokens, bm128 (8 warps, 4 stages: 80 KB, two
     * blocks a multiprocessor on sm_80 and sm_90) above; the stages live in dynamic shared memory.
     */
    public static GemmPlan dense(int m, int n, int k, int multiprocessors) {
        int bm = m <= 32 ? 32 : 128;
        // partial sums (written and read back, 8 B per output and slice) stay under a quarter of the weight bytes
        long maxSplitsByTraffic = Math.max(1, (2L * n * k / 4) / (8L * m * n));
        int stages = bm == 32 ? DENSE_BM32_STAGES : DENSE_BM128_STAGES;
        return of(bm, bm == 32 ? 128 : 256, m, n, k, DENSE_BLOCK_K, multiprocessors, bm == 32 ? BLOCKS_PER_SM : 2,
                maxSplitsByTraffic, stages * (bm + BLOCK_N) * DENSE_ROW * 2);
    }

    /** AWQ W4A16: bm16 / bm32 / bm64 by the number of tokens (4 warps each); larger M is tiled by 64. */
    public static GemmPlan awq(int m, int n, int k, int multiprocessors) {
        int bm = m <= 16 ? 16 : m <= 32 ? 32 : 64;
        long maxSplitsByTraffic = Math.max(1, ((long) n * k / 2 / 4) / (8L * m * n));
        return of(bm, 128, m, n, k, AWQ_BLOCK_K, multiprocessors, BLOCKS_PER_SM, maxSplitsByTraffic, 0);
    }

    static GemmPlan of(int bm, int threads, int m, int n, int k, int blockK, int multiprocessors, int blocksPerSm,
            long maxSplitsByTraffic, int sharedBytes) {
        int tilesN = (n + BLOCK_N - 1) / BLOCK_N;
        int tilesM = (m + bm - 1) / bm;
        int kTiles = (k + blockK - 1) / blockK;
        long blocks = (long) tilesN * tilesM;
        long wanted = Math.max(1, (long) blocksPerSm * multiprocessors);
        long splits = blocks >= wanted ? 1 : (wanted + blocks - 1) / blocks;
        splits = Math.min(splits, Math.min(maxSplitsByTraffic, Math.max(1, kTiles / 2)));
        int tilesPerSplit = (int) ((kTiles + splits - 1) / splits);
        int kPerSplit = tilesPerSplit * blockK;
        int used = (k + kPerSplit - 1) / kPerSplit;  // no empty slice
        return new GemmPlan(bm, threads, tilesN, tilesM, used, kPerSplit, sharedBytes);
    }

    public LaunchShape shape() {
        return new LaunchShape(tilesN, tilesM, splits, threads, 1, 1, sharedBytes);
    }

    /** fp32 partial sums the workspace must hold: splits x M x N, or nothing with one slice. */
    public long workspaceBytes(int m, int n) {
        return splits == 1 ? 0 : 4L * splits * m * n;
    }
}
