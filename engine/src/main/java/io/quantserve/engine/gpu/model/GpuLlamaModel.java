package io.quantserve.engine.gpu.model;

import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.generate.TokenModel;
import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.AwqDeviceWeights;
import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.DeviceBuffer;
import io.quantserve.engine.gpu.DeviceFill;
import io.quantserve.engine.gpu.GpuKernels;
import io.quantserve.engine.gpu.GpuMatmul;
import io.quantserve.engine.gpu.GpuSampling;
import io.quantserve.engine.gpu.ModelKernels;
import io.quantserve.engine.gpu.SampleRow;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.linear.QuantizationConfig;
import io.quantserve.engine.linear.QuantizationConfigs;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Llama-family decoder on one CUDA device, the GPU twin of {@link io.quantserve.engine.model.LlamaModel}: weights,
 * activations and the paged KV cache live on the device, and only token ids, batch metadata and logits cross the bus.
 * Activations, float weights and the KV cache are fp16 (or bf16); sums in fp32 in every kernel; logits fp32.
 *
 * <p>A forward over a batch of segments (decode tokens of several sequences, prefill chunks) runs each linear layer
 * once over all rows of the batch, rotary embedding per row's position, writes every row's key and value to its
 * sequence's blocks, then attention: one launch of the decode kernel for all one-token segments and one flash-style
 * prefill launch per longer segment. A decode step (every segment one token) is recorded as a CUDA graph the first
 * time its shape comes and replayed after ({@link DecodeGraphs}). Not thread-safe: one forward at a time.
 */
public final class GpuLlamaModel implements TokenModel, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GpuLlamaModel.class);
    /** Rows per forward of a {@link #newSequence} state: longer prompts run in chunks of this many. */
    static final int SEQUENCE_CHUNK = 256;

    private final CudaDevice device;
    private final GpuKernels kernels;
    private final ModelKernels modelKernels;
    private final ModelConfig config;
    private final ActivationType type;
    private final ModelKernels.Attention attention;
    private final DeviceBuffer embedding; // [vocab, hidden]
    private final Layer[] layers;
    private final DeviceBuffer finalNorm;
    private final GpuLinear lmHead;      // the embedding table itself when tied
    private final boolean tied;
    private final GpuMatmul matmul;
    private final GpuSampling sampling;
    private final double[] inverseFrequencies;
    private AwqKernelTable awqKernels = AwqKernelTable.CONFIGURED;
    private DeviceBuffer cos;             // [tablePositions, headDim / 2] fp32
    private DeviceBuffer sin;
    private int tablePositions;

    /**
     * One decoder layer's weights: q/k/v as one product (their outputs side by side in each row), and gate/up as one
     * (each row its gate values, then its up values), as vLLM stacks them: one launch where there were three or two.
     * {@code qNorm} and {@code kNorm} [headDim] are Qwen3's per-head norms, null for other models.
     */
    record Layer(DeviceBuffer attentionNorm, GpuLinear qkv, DeviceBuffer qNorm, DeviceBuffer kNorm, GpuLinear o,
            DeviceBuffer ffnNorm, GpuLinear gateUp, GpuLinear down) implements AutoCloseable {
        List<GpuLinear> linears() {
            return List.of(qkv, o, gateUp, down);
        }

        @Override
        public void close() {
            attentionNorm.close();
            ffnNorm.close();
            if (qNorm != null) {
                qNorm.close();
                kNorm.close();
            }
            linears().forEach(GpuLinear::close);
        }
    }

    private GpuLlamaModel(CudaDevice device, ModelConfig config, ActivationType type, DeviceBuffer embedding,
            Layer[] layers, DeviceBuffer finalNorm, GpuLinear lmHead, boolean tied) {
        this.device = device;
        this.kernels = new GpuKernels(device);
        this.modelKernels = new ModelKernels(device);
        this.config = config;
        this.type = type;
        this.attention = new ModelKernels.Attention(config.numHeads(), config.numKvHeads(), config.headDim(),
                KvCachePool.DEFAULT_BLOCK_SIZE, config.slidingWindow(), (float) (1.0 / Math.sqrt(config.headDim())));
        this.embedding = embedding;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.tied = tied;
        this.matmul = new GpuMatmul(device);
        this.sampling = new GpuSampling(device);
        this.inverseFrequencies = config.ropeScaling().inverseFrequencies(config.ropeTheta(), config.headDim());
    }

    /** Uploads a model with fp16 activations (what AWQ checkpoints need). */
    public static GpuLlamaModel load(CudaDevice device, LoadedModel loaded) throws IOException {
        return load(device, loaded, ActivationType.F16);
    }

    /**
     * Uploads the weights of a Hugging Face folder opened as {@code loaded}: float layers converted to {@code type},
     * AWQ gemm layers as stored, 4-bit GPTQ repacked into AWQ's layout (both fp16 only). GGUF files and other
     * quantization formats are refused by name.
     */
    public static GpuLlamaModel load(CudaDevice device, LoadedModel loaded, ActivationType type) throws IOException {
        Path dir = loaded.path();
        Checkpoint ckpt = loaded.checkpoint().orElseThrow(() -> new UnsupportedOperationException(
                "the GPU backend reads Hugging Face safetensors folders (float or AWQ); " + dir
                        + " is a GGUF file (use --backend cpu)"));
        ModelConfig c = loaded.config();
        if (c.headDim() > ModelKernels.MAX_HEAD_DIM) {
            throw new UnsupportedOperationException("head_dim " + c.headDim() + " exceeds the GPU attention kernels' "
                    + ModelKernels.MAX_HEAD_DIM);
        }
        QuantizationConfig quant = QuantizationConfigs.load(dir);
        WeightUpload.requireSupported(c, quant);
        List<AutoCloseable> done = new ArrayList<>();
        long start = System.nanoTime();
        try {
            WeightUpload up = new WeightUpload(device, ckpt, quant, type);
            int hidden = c.hiddenSize();
            DeviceBuffer embedding = track(done, up.matrix("model.embed_tokens.weight", c.vocabSize(), hidden));
            Layer[] layers = new Layer[c.numLayers()];
            for (int i = 0; i < layers.length; i++) {
                String p = "model.layers." + i;
                layers[i] = track(done, new Layer(
                        track(done, up.vector(p + ".input_layernorm.weight", hidden)),
                        track(done, up.stacked(List.of(p + ".self_attn.q_proj", p + ".self_attn.k_proj",
                                p + ".self_attn.v_proj"), hidden, c.qDim(), c.kvDim(), c.kvDim())),
                        c.qkNorm() ? track(done, up.vector(p + ".self_attn.q_norm.weight", c.headDim())) : null,
                        c.qkNorm() ? track(done, up.vector(p + ".self_attn.k_norm.weight", c.headDim())) : null,
                        track(done, up.linear(p + ".self_attn.o_proj", c.qDim(), hidden)),
                        track(done, up.vector(p + ".post_attention_layernorm.weight", hidden)),
                        track(done, up.stacked(List.of(p + ".mlp.gate_proj", p + ".mlp.up_proj"), hidden,
                                c.intermediateSize(), c.intermediateSize())),
                        track(done, up.linear(p + ".mlp.down_proj", c.intermediateSize(), hidden))));
            }
            DeviceBuffer finalNorm = track(done, up.vector("model.norm.weight", hidden));
            GpuLinear lmHead = c.tieWordEmbeddings()
                    ? new GpuLinear.Dense(embedding, null, hidden, c.vocabSize())
                    : track(done, up.linear("lm_head", hidden, c.vocabSize()));
            GpuLlamaModel model = new GpuLlamaModel(device, c, type, embedding, layers, finalNorm, lmHead,
                    c.tieWordEmbeddings());
            model.ensureRotary(Math.min(Math.max(c.maxPositions(), 1), 4096));
            model.tuneAwqKernels();
            LOG.info("GPU model {} on {}: {} layers, weights ({}) in {} activations, uploaded in {} ms", dir.getFileName(),
                    device.name(), c.numLayers(), quant.name(), type.suffix(), (System.nanoTime() - start) / 1_000_000);
            return model;
        } catch (RuntimeException e) {
            for (int i = done.size() - 1; i >= 0; i--) {
                closeQuietly(done.get(i));
            }
            throw e;
        }
    }

    /**
     * A model of shape {@code c} with random AWQ weights made on the device (nothing crosses the bus), for benchmarks
     * at real model sizes (issue 7: a Llama-2-7B-shaped AWQ model): every linear layer AWQ 4-bit with groups of
     * {@code groupSize}, random codes and zero points, fp16 scales around {@code 1 / (8 sqrt(in))} (a weight's spread
     * then keeps each layer's outputs near the size of its inputs, so 32 layers of fp16 stay finite); norms 1; the
     * embedding and an untied fp16 head uniform in ±0.05. Logits are meaningless; the work is the real work.
     */
    public static GpuLlamaModel random(CudaDevice device, ModelConfig c, int groupSize, int seed) {
        return random(device, c, groupSize, seed, false);
    }

    /**
     * The same, with {@code actOrder} as a GPTQ act-order checkpoint runs ({@link GptqRepack}): every linear layer
     * also reads its input through a random permutation (gathered per call); the weights are those without.
     */
    public static GpuLlamaModel random(CudaDevice device, ModelConfig c, int groupSize, int seed, boolean actOrder) {
        if (c.headDim() > ModelKernels.MAX_HEAD_DIM) {
            throw new UnsupportedOperationException("head_dim " + c.headDim() + " exceeds the GPU attention kernels' "
                    + ModelKernels.MAX_HEAD_DIM);
        }
        List<AutoCloseable> done = new ArrayList<>();
        try {
            RandomWeights r = new RandomWeights(device, groupSize, seed, actOrder, done);
            int hidden = c.hiddenSize();
            DeviceBuffer embedding = r.uniform("embed_tokens", (long) c.vocabSize() * hidden, 0.05f);
            Layer[] layers = new Layer[c.numLayers()];
            for (int i = 0; i < layers.length; i++) {
                String p = "layers." + i;
                layers[i] = new Layer(r.ones(p + ".input_layernorm", hidden),
                        r.awq(p + ".qkv_proj", hidden, c.qDim() + 2 * c.kvDim()),
                        c.qkNorm() ? r.ones(p + ".q_norm", c.headDim()) : null,
                        c.qkNorm() ? r.ones(p + ".k_norm", c.headDim()) : null,
                        r.awq(p + ".o_proj", c.qDim(), hidden),
                        r.ones(p + ".post_attention_layernorm", hidden),
                        r.awq(p + ".gate_up_proj", hidden, 2 * c.intermediateSize()),
                        r.awq(p + ".down_proj", c.intermediateSize(), hidden));
            }
            DeviceBuffer finalNorm = r.ones("norm", hidden);
            DeviceBuffer head = r.uniform("lm_head", (long) c.vocabSize() * hidden, 0.05f);
            GpuLlamaModel model = new GpuLlamaModel(device, c, ActivationType.F16, embedding, layers, finalNorm,
                    new GpuLinear.Dense(head, null, hidden, c.vocabSize()), false);
            model.ensureRotary(Math.min(Math.max(c.maxPositions(), 1), 4096));
            model.tuneAwqKernels();
            device.synchronize();
            return model;
        } catch (RuntimeException e) {
            for (int i = done.size() - 1; i >= 0; i--) {
                closeQuietly(done.get(i));
            }
            throw e;
        }
    }

    /** Device buffers filled on the device for {@link #random}, each tracked for release on failure. */
    private static final class RandomWeights {
        private final CudaDevice device;
        private final DeviceFill fill;
        private final int groupSize;
        private final boolean actOrder;
        private final List<AutoCloseable> done;
        private int seed;

        RandomWeights(CudaDevice device, int groupSize, int seed, boolean actOrder, List<AutoCloseable> done) {
            this.device = device;
            this.fill = new DeviceFill(device);
            this.groupSize = groupSize;
            this.seed = seed;
            this.actOrder = actOrder;
            this.done = done;
        }

        DeviceBuffer ones(String name, int n) {
            DeviceBuffer b = track(done, device.allocate(2L * n, name));
            fill.uniform(ActivationType.F16, b, seed++, 1f, 1f);
            return b;
        }

        DeviceBuffer uniform(String name, long n, float bound) {
            DeviceBuffer b = track(done, device.allocate(2L * n, name));
            fill.uniform(ActivationType.F16, b, seed++, -bound, bound);
            return b;
        }

        GpuLinear awq(String name, int in, int out) {
            int groups = in / groupSize;
            DeviceBuffer qw = track(done, device.allocate(4L * in * (out / 8), name + ".qweight"));
            DeviceBuffer qz = track(done, device.allocate(4L * groups * (out / 8), name + ".qzeros"));
            DeviceBuffer sc = track(done, device.allocate(2L * groups * out, name + ".scales"));
            fill.randomBits(qw, seed++);
            fill.randomBits(qz, seed++);
            float scale = (float) (1 / (8 * Math.sqrt(in)));
            fill.uniform(ActivationType.F16, sc, seed++, 0.5f * scale, 1.5f * scale);
            DeviceBuffer perm = null;
            if (actOrder) {
                List<Integer> order = new ArrayList<>(IntStream.range(0, in).boxed().toList());
                Collections.shuffle(order, new Random(seed)); // seed not advanced: the same weights as without perms
                perm = track(done, device.allocate(4L * in, name + ".perm"));
                perm.upload(order.stream().mapToInt(Integer::intValue).toArray());
            }
            return new GpuLinear.Awq(new AwqDeviceWeights(qw, qz, sc, in, out, groupSize), perm, null);
        }
    }

    /** Times the AWQ layers' kernels on this device ({@link AwqKernelTuner}) where that is on. */
    private void tuneAwqKernels() {
        List<AwqDeviceWeights> awq = Stream.concat(Arrays.stream(layers).flatMap(l -> l.linears().stream()),
                Stream.of(lmHead)).flatMap(AwqKernelTuner::awqWeights).toList();
        if (!awq.isEmpty() && AwqKernelTuner.enabled()) {
            awqKernels = AwqKernelTuner.tune(device, kernels, modelKernels, matmul, awq);
        }
    }

    /**
     * The AWQ kernels each layer shape's products run on by row count, one line a shape with what each candidate
     * took; empty where they were not timed (no AWQ layers, or {@value AwqKernelTuner#PROPERTY} off).
     */
    public List<String> awqKernelChoices() {
        return awqKernels.describe();
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> done, T resource) {
        // a layer record is tracked after its parts: closing it again on failure is harmless for buffers (freed once)
        done.add(resource);
        return resource;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already failing; the first error is the one to report
        }
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    public ActivationType activationType() {
        return type;
    }

    /** Token slots per block of the device KV cache (the attention kernels' block size). */
    public int blockSize() {
        return attention.blockSize();
    }

    /** A device KV cache of {@code numBlocks} blocks of {@link KvCachePool#DEFAULT_BLOCK_SIZE} tokens. */
    public GpuKvCache newKvCache(int numBlocks) {
        return new GpuKvCache(device, config, type, attention.blockSize(), numBlocks);
    }

    /** Activation buffers for batches of up to {@code maxTokens} rows over {@code cache}, logits for all of them. */
    public GpuBatchState newBatchState(GpuKvCache cache, int maxTokens) {
        return newBatchState(cache, maxTokens, maxTokens);
    }

    /**
     * Activation buffers for batches of up to {@code maxTokens} rows over {@code cache}, logits for {@code logitRows}
     * of them at once (a serving node's max-num-seqs; see {@link GpuBatchState}).
     */
    public GpuBatchState newBatchState(GpuKvCache cache, int maxTokens, int logitRows) {
        return new GpuBatchState(device, config, type, cache, maxTokens, logitRows,
                workspaceBytes(maxTokens, logitRows), partialBytes());
    }

    /** Device bytes {@link #newBatchState} allocates for {@code maxTokens} rows, {@code logitRows} with logits. */
    public long batchStateBytes(int maxTokens, int logitRows) {
        return GpuBatchState.bytes(config, type, maxTokens, logitRows, workspaceBytes(maxTokens, logitRows),
                partialBytes());
    }

    /** The split decode attention's fp32 states for any plan on this device. */
    private long partialBytes() {
        return modelKernels.maxDecodePartialBytes(attention);
    }

    public CudaDevice device() {
        return device;
    }

    /**
     * The split-K workspace of the largest layer at up to maxTokens rows, the LM head's at logitRows (one buffer
     * serves every launch in turn).
     */
    private long workspaceBytes(int maxTokens, int logitRows) {
        int sms = device.multiprocessors();
        long ws = lmHead.workspaceBytes(logitRows, sms, awqKernels);
        for (Layer l : layers) {
            for (GpuLinear linear : l.linears()) {
                ws = Math.max(ws, linear.workspaceBytes(maxTokens, sms, awqKernels));
            }
        }
        return ws;
    }

    @Override
    public Sequence newSequence(int contextLength) {
        int blockSize = attention.blockSize();
        GpuKvCache cache = newKvCache(Math.max(1, (contextLength + blockSize - 1) / blockSize));
        GpuBatchState state;
        try {
            state = newBatchState(cache, Math.min(contextLength, SEQUENCE_CHUNK));
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
        BlockTable table = new BlockTable(blockSize);
        for (int b = 0; b < cache.numBlocks(); b++) {
            table.add(b);
        }
        return new Sequence() {
            @Override
            public float[] forward(int[] tokens, int startPos) {
                return GpuLlamaModel.this.forward(state, table, tokens, startPos, false);
            }

            @Override
            public void close() {
                state.close();
                cache.close();
            }
        };
    }

    /**
     * One sequence's tokens at positions startPos.. in chunks of the state's size; logits [tokens, vocab] when
     * {@code allLogits}, else [vocab] of the last token (as {@link io.quantserve.engine.model.LlamaModel#forward}).
     */
    public float[] forward(GpuBatchState s, BlockTable table, int[] tokens, int startPos, boolean allLogits) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to run");
        }
        int vocab = config.vocabSize();
        float[] logits = new float[(allLogits ? tokens.length : 1) * vocab];
        for (int done = 0; done < tokens.length; done += s.maxTokens) {
            int n = Math.min(s.maxTokens, tokens.length - done);
            boolean last = done + n == tokens.length;
            BatchSegment.Logits wanted = allLogits ? BatchSegment.Logits.ALL
                    : last ? BatchSegment.Logits.LAST : BatchSegment.Logits.NONE;
            int[] chunk = Arrays.copyOfRange(tokens, done, done + n);
            float[] out = forwardBatch(s, List.of(new BatchSegment(table, startPos + done, chunk, wanted)))[0];
            if (out != null) {
                System.arraycopy(out, 0, logits, allLogits ? done * vocab : 0, out.length);
            }
        }
        return logits;
    }

    /**
     * Runs the tokens of several sequences in one pass (see the class comment); each segment's block table indexes
     * the state's cache.
     *
     * @return per segment its logits: [vocab] for LAST, [tokens, vocab] for ALL, null for NONE
     */
    public float[][] forwardBatch(GpuBatchState s, List<BatchSegment> segments) {
        BatchPlan plan = run(s, segments);
        return downloadLogits(s, plan);
    }

    /**
     * As {@link #forwardBatch}, then draws each LAST segment's next token on the device (sampling.cu) with its row's
     * parameters and uniform number; only the tokens cross the bus. {@code rows} has one entry per segment, null
     * for NONE segments; ALL segments are refused.
     *
     * @return per segment its token; -1 for NONE segments and rows without a finite logit
     */
    public int[] forwardBatchSample(GpuBatchState s, List<BatchSegment> segments, List<SampleRow> rows) {
        if (rows.size() != segments.size()) {
            throw new IllegalArgumentException(segments.size() + " segments, " + rows.size() + " sampling rows");
        }
        List<SampleRow> draws = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            BatchSegment.Logits logits = segments.get(i).logits();
            if (logits == BatchSegment.Logits.ALL || (logits == BatchSegment.Logits.LAST) != (rows.get(i) != null)) {
                throw new IllegalArgumentException("segment " + i + " wants " + logits + " logits with "
                        + (rows.get(i) == null ? "no" : "a") + " sampling row: device sampling draws one token per LAST"
                        + " segment");
            }
            if (rows.get(i) != null) {
                draws.add(rows.get(i));
            }
        }
        if (draws.size() > s.logitRows) {
            throw new IllegalArgumentException(draws.size() + " rows to draw a token for, the batch state holds logits"
                    + " for " + s.logitRows + " at once (its logit rows, a node's max-num-seqs)");
        }
        run(s, segments);
        int[] tokens = new int[segments.size()];
        Arrays.fill(tokens, -1);
        if (draws.isEmpty()) {
            return tokens;
        }
        int vocab = config.vocabSize();
        sampling.sample("f32", s.sampled, s.logits, vocab, draws, s.sampleRows, s.sampleWorkspace(draws.size(), vocab));
        int[] drawn = s.sampled.downloadInts(draws.size());
        for (int i = 0, d = 0; i < segments.size(); i++) {
            if (rows.get(i) != null) {
                tokens[i] = drawn[d++];
            }
        }
        return tokens;
    }

    /** Uploads the batch's inputs, then its launches (a decode step as a CUDA graph's replay); the logits stay put. */
    private BatchPlan run(GpuBatchState s, List<BatchSegment> segments) {
        BatchPlan plan = BatchPlan.of(segments, s.cache, s.maxTokens, positionLimit(s.cache));
        ensureRotary(plan.maxPosition() + 1);
        DeviceBuffer meta = s.uploadMeta(plan.meta());
        kernels.uploadIds(s.ids, plan.tokens(), config.vocabSize());
        int[] wanted = plan.logitRows();
        if (headInStep(s, wanted.length) && wanted.length != plan.rows()) {
            s.wanted.upload(wanted); // the rows to gather before the LM head (in range: the plan made them)
        }
        // from here on kernel launches only, so that a decode step can be a CUDA graph's replay
        s.graphs.run(plan, List.of(meta, cos, sin), () -> launch(s, plan, meta));
        return plan;
    }

    /** Every kernel of a forward over the uploaded batch: embedding, the layers, the final norm and the LM head. */
    private void launch(GpuBatchState s, BatchPlan plan, DeviceBuffer meta) {
        int n = plan.rows();
        int hidden = config.hiddenSize();
        float eps = config.rmsNormEps();
        DeviceBuffer positions = plan.slice(meta, BatchPlan.Part.POSITIONS);
        DeviceBuffer slots = plan.slice(meta, BatchPlan.Part.SLOTS);
        GpuLinear.Ops ops = new GpuLinear.Ops(kernels, modelKernels, matmul, type, s.workspace, awqKernels);
        ModelKernels.DecodeSplit split = decodeSplit(plan);

        kernels.embedding(s.x, embedding, s.ids, n, config.vocabSize(), (long) hidden * type.bytes());
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            if (l == 0) {
                kernels.rmsnorm(type, s.xb, s.x, layer.attentionNorm(), n, hidden, eps);
            } else { // the previous layer's FFN output joins the residual here
                kernels.addRmsnorm(type, s.xb, s.x, s.xb2, layer.attentionNorm(), n, hidden, eps);
            }
            layer.qkv().apply(ops, s.xb, s.qkv, n, false);
            if (layer.qNorm() != null) {
                kernels.headRmsnorm(type, s.qkv, layer.qNorm(), layer.kNorm(), n, config.numHeads(),
                        config.numKvHeads(), config.headDim(), eps);
            }
            modelKernels.ropeQkv(type, attention, s.q, s.cache.keys(l), s.cache.values(l), s.cache.slots(), s.qkv,
                    positions, slots, cos, sin, tablePositions, n);
            attend(s, plan, meta, split, l);
            layer.o().apply(ops, s.att, s.xb2, n, false);
            kernels.addRmsnorm(type, s.xb, s.x, s.xb2, layer.ffnNorm(), n, hidden, eps);
            layer.gateUp().apply(ops, s.xb, s.gateUp, n, false);
            kernels.siluMulRows(type, s.hb, s.gateUp, n, config.intermediateSize());
            layer.down().apply(ops, s.hb, s.xb2, n, false);
        }
        kernels.addRmsnorm(type, s.xb, s.x, s.xb2, finalNorm, n, hidden, eps);
        int wanted = plan.logitRows().length;
        if (headInStep(s, wanted)) {
            lmHead(s, ops, wanted, n);
        }
    }

    /** Whether the LM head runs in the step's launches: rows want logits and the state holds them all (else chunks). */
    private static boolean headInStep(GpuBatchState s, int wanted) {
        return wanted > 0 && wanted <= s.logitRows;
    }

    /** Logits of {@code wanted} of the n final-normed rows in xb (those s.wanted lists unless all n want them). */
    private void lmHead(GpuBatchState s, GpuLinear.Ops ops, int wanted, int n) {
        DeviceBuffer normed = s.xb;
        if (wanted != n) { // gather the rows that want logits (token rows of xb, as an embedding lookup)
            kernels.embedding(s.normed, s.xb, s.wanted, wanted, n, (long) config.hiddenSize() * type.bytes());
            normed = s.normed;
        }
        lmHead.apply(ops, normed, s.logits, wanted, true);
    }

    /** How the decode items' attention is split over their keys: from the shape only, so a graph keeps it. */
    private ModelKernels.DecodeSplit decodeSplit(BatchPlan plan) {
        long maxKeys = (long) plan.decodeTableWidth() * attention.blockSize();
        if (attention.window() > 0) {
            maxKeys = Math.min(maxKeys, attention.window());
        }
        return modelKernels.decodeSplit(attention, plan.decodeItems(), maxKeys);
    }

    private void attend(GpuBatchState s, BatchPlan plan, DeviceBuffer meta, ModelKernels.DecodeSplit split, int layer) {
        int n = plan.rows();
        DeviceBuffer keys = s.cache.keys(layer);
        DeviceBuffer values = s.cache.values(layer);
        if (plan.decodeItems() > 0) {
            modelKernels.decode(type, attention, s.att, s.q, n, keys, values, plan.slice(meta, BatchPlan.Part.DECODE_TABLES),
                    plan.decodeItems(), plan.decodeTableWidth(), plan.slice(meta, BatchPlan.Part.DECODE_ROWS),
                    plan.slice(meta, BatchPlan.Part.DECODE_TABLE_INDEX), plan.slice(meta, BatchPlan.Part.DECODE_POSITIONS),
                    plan.decodeItems(), split, s.attentionPartials);
        }
        for (BatchPlan.Prefill p : plan.prefills()) {
            modelKernels.prefill(type, attention, s.att, s.q, n, keys, values, plan.prefillTable(meta, p), p.tableBlocks(),
                    p.row0(), p.start(), p.length());
        }
    }

    /**
     * Per segment its logits from the state's fp32 logits rows (in the order of the plan's logit rows); where more
     * rows want logits than the state holds, the LM head runs over them here, a chunk at a time.
     */
    private float[][] downloadLogits(GpuBatchState s, BatchPlan plan) {
        float[][] out = new float[plan.segments()][];
        int wanted = plan.logitRows().length;
        if (wanted == 0) {
            return out;
        }
        int vocab = config.vocabSize();
        float[] all = wanted <= s.logitRows ? s.logits.downloadFloats(wanted * vocab) : chunkedLogits(s, plan);
        int offset = 0;
        for (int i = 0; i < plan.segments(); i++) {
            int rows = plan.logitRowsOf(i);
            if (rows > 0) {
                out[i] = plan.segments() == 1 ? all : Arrays.copyOfRange(all, offset, offset + rows * vocab);
                offset += rows * vocab;
            }
        }
        return out;
    }

    private float[] chunkedLogits(GpuBatchState s, BatchPlan plan) {
        int[] wanted = plan.logitRows();
        int vocab = config.vocabSize();
        float[] all = new float[Math.multiplyExact(wanted.length, vocab)];
        GpuLinear.Ops ops = new GpuLinear.Ops(kernels, modelKernels, matmul, type, s.workspace, awqKernels);
        for (int from = 0; from < wanted.length; from += s.logitRows) {
            int rows = Math.min(s.logitRows, wanted.length - from);
            s.wanted.upload(Arrays.copyOfRange(wanted, from, from + rows));
            lmHead(s, ops, rows, plan.rows()); // a gather: a chunk is fewer rows than want logits, so than the batch
            System.arraycopy(s.logits.downloadFloats(rows * vocab), 0, all, from * vocab, rows * vocab);
        }
        return all;
    }

    /** Positions a sequence may reach: the model's maximum, or the cache's size where the config names none. */
    private long positionLimit(GpuKvCache cache) {
        return config.maxPositions() > 0 ? config.maxPositions() : cache.slots();
    }

    /** cos/sin tables [positions, headDim / 2] as the CPU model computes them (double angle, float value). */
    private void ensureRotary(int positions) {
        if (positions <= tablePositions) {
            return;
        }
        // grow geometrically, never past the model's maximum unless a position needs it
        int cap = config.maxPositions() > 0 ? config.maxPositions() : Integer.MAX_VALUE;
        int rows = Math.max(positions, Math.min(2 * tablePositions, cap));
        int half = inverseFrequencies.length;
        float[] c = new float[rows * half];
        float[] s = new float[rows * half];
        for (int p = 0; p < rows; p++) {
            for (int i = 0; i < half; i++) {
                double angle = (double) p * inverseFrequencies[i];
                c[p * half + i] = (float) Math.cos(angle);
                s[p * half + i] = (float) Math.sin(angle);
            }
        }
        DeviceBuffer newCos = device.allocate(4L * c.length, "rope.cos");
        DeviceBuffer newSin = device.allocate(4L * s.length, "rope.sin");
        newCos.upload(c);
        newSin.upload(s);
        if (cos != null) {
            cos.close();
            sin.close();
        }
        cos = newCos;
        sin = newSin;
        tablePositions = rows;
    }

    @Override
    public void close() {
        for (Layer l : layers) {
            l.close();
        }
        if (!tied) {
            lmHead.close();
        }
        embedding.close();
        finalNorm.close();
        if (cos != null) {
            cos.close();
            sin.close();
        }
    }
}
