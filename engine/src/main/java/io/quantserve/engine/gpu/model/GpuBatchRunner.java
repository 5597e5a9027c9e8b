package io.quantserve.engine.gpu.model;

import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.SampleRow;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.serve.BatchRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@link GpuLlamaModel} over its own device KV cache and activations, for {@link io.quantserve.engine.serve.EngineCore}:
 * the scheduler's block indices address the device cache as they address a CPU pool. Closing frees the cache and the
 * activations; the model (weights) stays with its owner.
 */
public final class GpuBatchRunner implements BatchRunner {
    private final GpuLlamaModel model;
    private final GpuKvCache cache;
    private final GpuBatchState state;

    /**
     * A cache of {@code numBlocks} blocks and activations for steps of up to {@code maxTokens} tokens (the scheduler's
     * max-num-batched-tokens), logits for {@code logitRows} rows at once (its max-num-seqs, at most maxTokens: a
     * step's rows that want logits; more, where prompts are scored, go through the LM head in chunks).
     */
    public GpuBatchRunner(GpuLlamaModel model, int numBlocks, int maxTokens, int logitRows) {
        this.model = model;
        this.cache = model.newKvCache(numBlocks);
        try {
            this.state = model.newBatchState(cache, maxTokens, logitRows);
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
    }

    /** Blocks of {@code blockSize} tokens that {@code budgetBytes} of device memory hold in {@code model}'s layout. */
    public static int blocksFor(GpuLlamaModel model, long budgetBytes) {
        long perBlock = GpuKvCache.bytesPerBlock(model.config(), model.activationType(), model.blockSize());
        long blocks = budgetBytes / perBlock;
        if (blocks < 1) {
            throw new IllegalArgumentException("a KV cache of " + budgetBytes + " bytes holds no block: one block of "
                    + model.blockSize() + " tokens takes " + perBlock + " bytes on the GPU ("
                    + model.activationType().suffix() + " keys and values of " + model.config().numLayers() + " layers)");
        }
        return (int) Math.min(blocks, Integer.MAX_VALUE);
    }

    /**
     * KV cache blocks for a device that may fill to {@code utilization} of its memory (vLLM's
     * gpu_memory_utilization): what is free now, after the weights, less the activations of a batch of
     * {@code maxTokens} rows ({@code logitRows} with logits) and the share held back ({@code 1 - utilization} of the device's memory, for the CUDA
     * context, graphs and other processes). Call it with the weights uploaded and nothing else allocated.
     */
    public static int blocksForUtilization(GpuLlamaModel model, int maxTokens, int logitRows, double utilization) {
        CudaDevice device = model.device();
        long perBlock = GpuKvCache.bytesPerBlock(model.config(), model.activationType(), model.blockSize());
        return blocksFor(model, utilizationBudget(device.totalMemory(), device.freeMemory(),
                model.batchStateBytes(maxTokens, logitRows), utilization, perBlock));
    }

    /** Bytes for the KV cache: free memory less the activations and the held-back share; at least one block. */
    static long utilizationBudget(long total, long free, long activations, double utilization, long perBlock) {
        if (!(utilization > 0 && utilization <= 1)) {
            throw new IllegalArgumentException("GPU memory utilization " + utilization + ": must be in (0, 1]");
        }
        long heldBack = (long) Math.ceil((1 - utilization) * total);
        long budget = free - activations - heldBack;
        if (budget < perBlock) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "GPU memory utilization %.2f leaves no room"
                    + " for a KV cache: of %d MiB, %d MiB are free after the weights, the activations take %d MiB and"
                    + " %d MiB are held back, while one block of the cache takes %d KiB (raise the utilization or lower"
                    + " max-num-batched-tokens)", utilization, total >> 20, free >> 20, activations >> 20, heldBack >> 20,
                    perBlock >> 10));
        }
        return budget;
    }

    @Override
    public ModelConfig config() {
        return model.config();
    }

    @Override
    public int blockSize() {
        return cache.blockSize();
    }

    @Override
    public int numBlocks() {
        return cache.numBlocks();
    }

    @Override
    public int maxTokens() {
        return state.maxTokens();
    }

    @Override
    public long cacheBytes() {
        return (long) cache.numBlocks() * GpuKvCache.bytesPerBlock(model.config(), model.activationType(), cache.blockSize());
    }

    @Override
    public String backend() {
        return "cuda";
    }

    @Override
    public float[][] forward(List<BatchSegment> segments) {
        return model.forwardBatch(state, segments);
    }

    @Override
    public boolean samplesOnDevice() {
        return true;
    }

    @Override
    public int[] forwardAndSample(List<BatchSegment> segments, List<SamplingParams> params, double[] u) {
        List<SampleRow> rows = new ArrayList<>(segments.size());
        for (int i = 0; i < segments.size(); i++) {
            rows.add(params.get(i) == null ? null : SampleRow.of(params.get(i), u[i]));
        }
        return model.forwardBatchSample(state, segments, rows);
    }

    @Override
    public void close() {
        state.close();
        cache.close();
    }
}
