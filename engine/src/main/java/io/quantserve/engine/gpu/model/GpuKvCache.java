package io.quantserve.engine.gpu.model;

import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.DeviceBuffer;
import io.quantserve.engine.model.ModelConfig;

/**
 * A paged KV cache on the device, the {@link io.quantserve.engine.kvcache.KvCachePool} layout in the activation type:
 * per layer one key and one value buffer [numBlocks, blockSize, kvHeads, headDim]; block tables
 * ({@link io.quantserve.engine.kvcache.BlockTable}) index it as they index a CPU pool.
 */
public final class GpuKvCache implements AutoCloseable {
    private final DeviceBuffer[] keys;
    private final DeviceBuffer[] values;
    private final int blockSize;
    private final int numBlocks;
    private final int kvDim;

    GpuKvCache(CudaDevice device, ModelConfig c, ActivationType type, int blockSize, int numBlocks) {
        if (blockSize < 1 || numBlocks < 1) {
            throw new IllegalArgumentException("block size " + blockSize + " and block count " + numBlocks
                    + " must be positive");
        }
        this.blockSize = blockSize;
        this.numBlocks = numBlocks;
        this.kvDim = c.kvDim();
        this.keys = new DeviceBuffer[c.numLayers()];
        this.values = new DeviceBuffer[c.numLayers()];
        long bytes = (long) numBlocks * blockSize * kvDim * type.bytes();
        try {
            for (int l = 0; l < keys.length; l++) {
                keys[l] = device.allocate(bytes, "kv.keys." + l);
                values[l] = device.allocate(bytes, "kv.values." + l);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Keys and values of all layers for one block, in bytes. */
    public static long bytesPerBlock(ModelConfig c, ActivationType type, int blockSize) {
        return 2L * c.numLayers() * blockSize * c.kvDim() * type.bytes();
    }

    DeviceBuffer keys(int layer) {
        return keys[layer];
    }

    DeviceBuffer values(int layer) {
        return values[layer];
    }

    public int blockSize() {
        return blockSize;
    }

    public int numBlocks() {
        return numBlocks;
    }

    /** Token slots in all: numBlocks * blockSize. */
    public long slots() {
        return (long) numBlocks * blockSize;
    }

    int kvDim() {
        return kvDim;
    }

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                keys[l].close();
            }
            if (values[l] != null) {
                values[l].close();
            }
        }
    }
}
