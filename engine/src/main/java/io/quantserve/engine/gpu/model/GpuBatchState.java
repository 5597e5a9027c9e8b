package io.quantserve.engine.gpu.model;

import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.DeviceBuffer;
import io.quantserve.engine.gpu.GpuSampling;
import io.quantserve.engine.gpu.SampleRow;
import io.quantserve.engine.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The device activations of batched forwards over one {@link GpuKvCache}, for up to {@code maxTokens} rows at once
 * (the CPU {@link io.quantserve.engine.model.InferenceState}'s buffers), plus the int32 metadata of a batch
 * (positions, slots, block tables), uploaded once per forward, and the CUDA graphs of decode steps over these
 * buffers ({@link DecodeGraphs}). The fp32 logits hold {@code logitRows} rows, in a serving node its max-num-seqs
 * (a step's rows that want logits are one a sequence, unless a prompt is scored): a batch that wants more runs the
 * LM head over them in chunks of that many ({@link GpuLlamaModel#forwardBatch}), rather than the logits of every
 * batched token taking device memory from the KV cache (256 MB for 2048 tokens of a 32K vocabulary, 1 GB at 128K).
 */
public final class GpuBatchState implements AutoCloseable {
    final GpuKvCache cache;
    final int maxTokens;
    final int logitRows;
    final DeviceBuffer x;      // [maxTokens, hidden] residual stream
    final DeviceBuffer xb;     // [maxTokens, hidden] normalised input of a block
    final DeviceBuffer xb2;    // [maxTokens, hidden] block output before the residual add
    final DeviceBuffer qkv;    // [maxTokens, (heads + 2 kvHeads) * headDim] the q/k/v projections side by side
    final DeviceBuffer q;      // [maxTokens, heads * headDim] the queries after rope
    final DeviceBuffer att;    // [maxTokens, heads * headDim]
    final DeviceBuffer gateUp; // [maxTokens, 2 intermediate] the gate and up projections side by side
    final DeviceBuffer hb;     // [maxTokens, intermediate] silu(gate) * up
    final DeviceBuffer normed; // [logitRows, hidden] the rows that want logits, normalised
    final DeviceBuffer logits; // [logitRows, vocab] fp32
    final DeviceBuffer ids;    // [maxTokens] int32 token ids
    final DeviceBuffer wanted; // [maxTokens] int32 rows that want logits
    final DeviceBuffer workspace; // split-K fp32 partial sums of the GEMMs/GEMV, sized for the largest layer at maxTokens
    final DeviceBuffer attentionPartials; // fp32 states of split decode attention (flash-decoding)
    final DecodeGraphs graphs;
    final DeviceBuffer sampled;    // [logitRows] int32 tokens drawn on the device
    final DeviceBuffer sampleRows; // [logitRows] SampleRow parameters
    private final CudaDevice device;
    private final List<DeviceBuffer> owned = new ArrayList<>();
    private DeviceBuffer meta; // int32 metadata of the current batch, grown as needed
    private DeviceBuffer sampleWorkspace; // fp32 weights of the device sampler, grown with the rows sampled at once

    GpuBatchState(CudaDevice device, ModelConfig c, ActivationType t, GpuKvCache cache, int maxTokens, int logitRows,
            long workspaceBytes, long attentionPartialBytes) {
        checkRows(maxTokens, logitRows);
        this.device = device;
        this.cache = cache;
        this.maxTokens = maxTokens;
        this.logitRows = logitRows;
        this.graphs = new DecodeGraphs(device);
        long rows = maxTokens;
        int b = t.bytes();
        try {
            x = own(rows * c.hiddenSize() * b, "x");
            xb = own(rows * c.hiddenSize() * b, "xb");
            xb2 = own(rows * c.hiddenSize() * b, "xb2");
            qkv = own(rows * (c.qDim() + 2L * c.kvDim()) * b, "qkv");
            q = own(rows * c.qDim() * b, "q");
            att = own(rows * c.qDim() * b, "att");
            gateUp = own(rows * 2L * c.intermediateSize() * b, "gate_up");
            hb = own(rows * c.intermediateSize() * b, "hb");
            normed = own((long) logitRows * c.hiddenSize() * b, "normed");
            logits = own((long) logitRows * c.vocabSize() * 4L, "logits");
            ids = own(rows * 4L, "ids");
            wanted = own(rows * 4L, "wanted rows");
            workspace = own(Math.max(4L, workspaceBytes), "split-K workspace");
            attentionPartials = own(Math.max(4L, attentionPartialBytes), "split decode attention states");
            sampled = own(logitRows * 4L, "sampled tokens");
            sampleRows = own((long) logitRows * SampleRow.BYTES, "sampling parameters");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    static void checkRows(int maxTokens, int logitRows) {
        if (maxTokens < 1 || logitRows < 1 || logitRows > maxTokens) {
            throw new IllegalArgumentException("a batch state for " + maxTokens + " tokens with logits for "
                    + logitRows + " rows: both at least 1, the logit rows at most the tokens");
        }
    }

    /**
     * Device bytes a state for {@code maxTokens} rows, {@code logitRows} of them with logits, allocates (its metadata
     * buffer and sampler workspace aside).
     */
    static long bytes(ModelConfig c, ActivationType t, int maxTokens, int logitRows, long workspaceBytes,
            long attentionPartialBytes) {
        checkRows(maxTokens, logitRows);
        long perRow = (3L * c.hiddenSize() + 3L * c.qDim() + 2L * c.kvDim() + 3L * c.intermediateSize()) * t.bytes() + 8;
        long perLogitRow = (long) c.hiddenSize() * t.bytes() + 4L * c.vocabSize() + 4 + SampleRow.BYTES;
        return maxTokens * perRow + logitRows * perLogitRow + Math.max(4L, workspaceBytes)
                + Math.max(4L, attentionPartialBytes);
    }

    private DeviceBuffer own(long bytes, String label) {
        DeviceBuffer buffer = device.allocate(bytes, label);
        owned.add(buffer);
        return buffer;
    }

    public GpuKvCache cache() {
        return cache;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** Rows whose logits the state holds at once (more are computed in chunks of this many). */
    public int logitRows() {
        return logitRows;
    }

    /** The device sampler's workspace for {@code rows} rows of {@code vocab} logits (grown by doubling). */
    DeviceBuffer sampleWorkspace(int rows, int vocab) {
        sampleWorkspace = grown(sampleWorkspace, GpuSampling.workspaceBytes(rows, vocab), 4,
                GpuSampling.workspaceBytes(logitRows, vocab), "sampling workspace");
        return sampleWorkspace;
    }

    /**
     * {@code current}, or where it holds fewer than {@code bytes} a new buffer of twice its size (no more than
     * {@code cap}, at least {@code bytes} and {@code floor}), {@code current} freed.
     */
    private DeviceBuffer grown(DeviceBuffer current, long bytes, long floor, long cap, String label) {
        if (current != null && current.bytes() >= bytes) {
            return current;
        }
        long size = Math.max(Math.max(bytes, floor), current == null ? 0 : Math.min(2 * current.bytes(), cap));
        if (current != null) {
            current.close();
        }
        return device.allocate(size, label);
    }

    /** Whether decode steps are replayed from CUDA graphs (default on; see {@link DecodeGraphs}). */
    public void useGraphs(boolean on) {
        graphs.enable(on);
    }

    /**
     * Uploads the batch's metadata; slices of the result are views of it until the next upload. The buffer grows by
     * doubling (each new one drops the graphs that read the old).
     */
    DeviceBuffer uploadMeta(int[] values) {
        meta = grown(meta, 4L * values.length, 4096, Long.MAX_VALUE, "batch metadata");
        if (values.length > 0) {
            meta.upload(values);
        }
        return meta;
    }

    @Override
    public void close() {
        graphs.close();
        owned.forEach(DeviceBuffer::close);
        owned.clear();
        if (meta != null) {
            meta.close();
            meta = null;
        }
        if (sampleWorkspace != null) {
            sampleWorkspace.close();
            sampleWorkspace = null;
        }
    }
}
