package io.quantserve.engine.gpu;

/**
 * A kernel launch's grid and block (CUDA's limits checked here, so that a bad shape fails with the numbers rather
 * than as CUDA_ERROR_INVALID_VALUE) and its dynamic shared memory in bytes.
 */
public record LaunchShape(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes) {
    public static final int MAX_THREADS_PER_BLOCK = 1024;
    static final int MAX_GRID_YZ = 65535;
    static final int MAX_BLOCK_Z = 64;
    /** Dynamic shared memory a launch gets without raising the kernel's attribute first ({@link Kernel} does). */
    static final int DEFAULT_SHARED_LIMIT = 48 * 1024;
    /** The most a block may opt in to on sm_90 (sm_80: 163 KB; the driver refuses more than the device has). */
    static final int MAX_SHARED = 227 * 1024;

    public LaunchShape {
        if (gridX < 1 || gridY < 1 || gridZ < 1 || gridY > MAX_GRID_YZ || gridZ > MAX_GRID_YZ) {
            throw new IllegalArgumentException("grid " + dims(gridX, gridY, gridZ) + " is outside CUDA's limits"
                    + " (x 1..2^31-1, y and z 1.." + MAX_GRID_YZ + ")");
        }
        long threads = (long) blockX * blockY * blockZ;
        if (blockX < 1 || blockY < 1 || blockZ < 1 || blockZ > MAX_BLOCK_Z || threads > MAX_THREADS_PER_BLOCK) {
            throw new IllegalArgumentException("block " + dims(blockX, blockY, blockZ) + " is outside CUDA's limits"
                    + " (at most " + MAX_THREADS_PER_BLOCK + " threads, z at most " + MAX_BLOCK_Z + ")");
        }
        if (sharedBytes < 0 || sharedBytes > MAX_SHARED) {
            throw new IllegalArgumentException("dynamic shared memory " + sharedBytes + " B is outside 0.." + MAX_SHARED);
        }
    }

    /** A one-dimensional launch. */
    public static LaunchShape of(int gridX, int blockX) {
        return new LaunchShape(gridX, 1, 1, blockX, 1, 1, 0);
    }

    /** One block per row. */
    public static LaunchShape perRow(int rows, int threads) {
        return of(rows, threads);
    }

    /**
     * A grid-stride launch over n elements handled {@code perThread} at a time: enough blocks to give every thread
     * work once, but no more than {@code maxBlocks} (the loop covers the rest).
     */
    public static LaunchShape gridStride(long n, int perThread, int threads, int maxBlocks) {
        if (n < 1) {
            throw new IllegalArgumentException("a launch over " + n + " elements");
        }
        long units = (n + perThread - 1) / perThread;
        long blocks = Math.min(maxBlocks, (units + threads - 1) / threads);
        return of((int) blocks, threads);
    }

    public long threads() {
        return (long) gridX * gridY * gridZ * blockX * blockY * blockZ;
    }

    /** "grid (4, 1, 1) block (256, 1, 1) shared 0 B". */
    public String describe() {
        return "grid " + dims(gridX, gridY, gridZ) + " block " + dims(blockX, blockY, blockZ) + " shared " + sharedBytes
                + " B";
    }

    private static String dims(int x, int y, int z) {
        return "(" + x + ", " + y + ", " + z + ")";
    }
}
