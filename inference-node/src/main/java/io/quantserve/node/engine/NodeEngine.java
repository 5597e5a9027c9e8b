package io.quantserve.node.engine;

import io.quantserve.engine.gpu.Backend;
import io.quantserve.engine.gpu.BackendChoice;
import io.quantserve.engine.gpu.BackendSelection;
import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.CudaProbe;
import io.quantserve.engine.gpu.model.GpuBatchRunner;
import io.quantserve.engine.gpu.model.GpuKvCache;
import io.quantserve.engine.gpu.model.GpuLlamaModel;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.serve.BatchRunner;
import io.quantserve.engine.serve.CpuBatchRunner;
import io.quantserve.engine.serve.EngineCore;
import io.quantserve.engine.serve.EngineLoop;
import io.quantserve.engine.serve.EngineRequest;
import io.quantserve.engine.serve.EngineStats;
import io.quantserve.engine.serve.RequestOutput;
import io.quantserve.engine.serve.SchedulerConfig;
import io.quantserve.engine.serve.SpeculativeConfig;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import io.quantserve.node.config.NodeProperties;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The engine of this node: loads the model, runs the continuous-batching loop on its own thread, admits requests
 * (a bounded waiting queue, then 429) and drains on shutdown (stop admitting, let running requests finish within
 * the drain timeout, then stop the loop). Loading happens in the constructor, so a bad model fails start-up.
 *
 * <p>The backend ({@value #BACKEND_SETTING}): on CUDA the weights, KV cache and activations live on device 0 and the
 * GPU runner does the forwards; scheduling, prefix caching and sampling are the same host code on either backend.
 */
public class NodeEngine implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(NodeEngine.class);
    static final String BACKEND_SETTING = "quantserve.node.engine.backend";

    /** FAILED: an engine step threw; the requests in flight ended with an error and no new ones are taken. */
    public enum State { STARTING, READY, DRAINING, STOPPED, FAILED }

    private final ServedModel model;
    private final BatchRunner runner;
    private final String backendReason;
    private final List<AutoCloseable> deviceResources = new ArrayList<>(); // GPU model and device, closed last first
    private final EngineLoop loop;
    private final int admissionLimit;
    private final Duration drainTimeout;
    private final AtomicInteger inFlight = new AtomicInteger(); // engine requests admitted and not finished
    private volatile State state = State.STARTING;

    public NodeEngine(NodeProperties properties, String servedModelName, Path modelPath) throws Exception {
        NodeProperties.Engine settings = properties.engine();
        long start = System.nanoTime();
        LoadedModel loaded = LoadedModel.open(modelPath);
        try {
            Tokenizer tokenizer = tokenizer(properties.tokenizer(), loaded, modelPath);
            Selected selected = openRunner(loaded, settings);
            this.runner = selected.runner();
            this.backendReason = selected.reason();
            int maxModelLen = maxModelLen(loaded.config().maxPositions(), settings, runner);
            this.model = new ServedModel(servedModelName, loaded, tokenizer, maxModelLen, Instant.now().getEpochSecond());
            SchedulerConfig scheduler = new SchedulerConfig(settings.maxNumBatchedTokens(),
                    Math.min(settings.maxNumSeqs(), settings.maxNumBatchedTokens()));
            SpeculativeConfig speculative = speculative(settings.speculativeConfig());
            if (speculative != null) {
                log.info("Speculative decoding: up to {} n-gram drafted tokens per step (n-grams of {}-{} tokens)",
                        speculative.numSpeculativeTokens(), speculative.promptLookupMin(),
                        speculative.promptLookupMax());
            }
            this.loop = new EngineLoop(new EngineCore(runner, scheduler, speculative));
        } catch (RuntimeException | IOException e) {
            closeDevice();
            loaded.close();
            throw e;
        }
        this.admissionLimit = settings.maxNumSeqs() + settings.maxWaitingRequests();
        this.drainTimeout = properties.drainTimeout();
        log.info("loaded {} from {} in {} ms on {}: context {} tokens, KV cache {} blocks of {} tokens ({} MiB), batch {}"
                + " tokens / {} sequences", servedModelName, modelPath, (System.nanoTime() - start) / 1_000_000,
                runner.backend(), model.maxModelLen(), runner.numBlocks(), runner.blockSize(), runner.cacheBytes() >> 20,
                settings.maxNumBatchedTokens(), settings.maxNumSeqs());
        warmUp();
        state = State.READY;
    }

    /** The speculative decoding setting, null when empty. */
    private static SpeculativeConfig speculative(String json) {
        try {
            return json.isBlank() ? null : SpeculativeConfig.parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("quantserve.node.engine.speculative-config (--speculative-config): "
                    + e.getMessage(), e);
        }
    }

    /** The tokenizer file the settings name, else the model's own. */
    private static Tokenizer tokenizer(String file, LoadedModel loaded, Path modelPath) throws IOException {
        if (!file.isBlank()) {
            return Tokenizers.fromFile(Path.of(file), loaded.config().vocabSize());
        }
        return loaded.tokenizer().orElseThrow(() -> new IllegalArgumentException(modelPath
                + ": the model has no tokenizer (tokenizer.json, tokenizer.model or GGUF tokenizer metadata), so it"
                + " cannot serve text; name one with quantserve.node.tokenizer (--tokenizer FILE: a .gguf,"
                + " tokenizer.json or tokenizer.model)"));
    }

    private record Selected(BatchRunner runner, String reason) {
    }

    /**
     * The runner on the backend asked for, logged with its reason. On auto a model the GPU runner refuses (GGUF, a
     * quantization format it lacks, a block size other than its own) runs on the CPU with a warning; on cuda that is
     * a start-up error, as is the lack of a usable device.
     */
    private Selected openRunner(LoadedModel loaded, NodeProperties.Engine settings) throws IOException {
        BackendChoice choice = settings.backend();
        BackendSelection selection = BackendSelection.select(choice, BACKEND_SETTING, CudaProbe::probe);
        String reason = selection.reason();
        if (selection.backend() == Backend.CUDA) {
            try {
                BatchRunner gpu = openGpu(loaded, settings);
                log.info("Backend: cuda ({})", reason);
                return new Selected(gpu, reason);
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                closeDevice();
                if (choice == BackendChoice.CUDA) {
                    throw new IllegalArgumentException(BACKEND_SETTING + "=cuda, but the GPU runner cannot serve this"
                            + " model: " + e.getMessage() + " (set " + BACKEND_SETTING + "=cpu or auto)", e);
                }
                reason = "auto: CUDA device present, but the GPU runner cannot serve this model: " + e.getMessage();
                log.warn("Backend: cpu ({}); running on the CPU", reason);
                return new Selected(cpu(loaded, settings), reason);
            }
        }
        log.info("Backend: cpu ({})", reason);
        return new Selected(cpu(loaded, settings), reason);
    }

    private static BatchRunner cpu(LoadedModel loaded, NodeProperties.Engine settings) {
        KvCachePool pool = KvCachePool.withBudget(loaded.config(), settings.blockSize(), settings.kvCacheMemory().toBytes());
        return new CpuBatchRunner(loaded.model(), pool, settings.maxNumBatchedTokens());
    }

    /**
     * Weights on device 0, the KV cache sized from gpu-memory-utilization when set (what the device has free after
     * the weights and a step's activations), else from kv-cache-memory, in the device layout (f16 keys and values).
     */
    private BatchRunner openGpu(LoadedModel loaded, NodeProperties.Engine settings) throws IOException {
        CudaDevice device = CudaDevice.open(0);
        deviceResources.add(device);
        GpuLlamaModel gpu = GpuLlamaModel.load(device, loaded);
        deviceResources.add(gpu);
        if (settings.blockSize() != gpu.blockSize()) {
            throw new UnsupportedOperationException("the GPU runner's KV cache blocks hold " + gpu.blockSize()
                    + " tokens, quantserve.node.engine.block-size is " + settings.blockSize());
        }
        Double utilization = settings.gpuMemoryUtilization();
        int logitRows = Math.min(settings.maxNumSeqs(), settings.maxNumBatchedTokens()); // a step's rows with logits
        int blocks = utilization != null
                ? GpuBatchRunner.blocksForUtilization(gpu, settings.maxNumBatchedTokens(), logitRows, utilization)
                : GpuBatchRunner.blocksFor(gpu, settings.kvCacheMemory().toBytes());
        log.info("GPU KV cache: {} blocks of {} tokens ({} MiB), sized from {}", blocks, gpu.blockSize(),
                blocks * GpuKvCache.bytesPerBlock(gpu.config(), gpu.activationType(), gpu.blockSize()) >> 20,
                utilization != null ? "gpu-memory-utilization " + utilization : "kv-cache-memory " + settings.kvCacheMemory());
        return new GpuBatchRunner(gpu, blocks, settings.maxNumBatchedTokens(), logitRows);
    }

    /** Frees the device KV cache, the weights and the device (nothing on the CPU backend). */
    private void closeDevice() {
        if (runner != null) {
            runner.close();
        }
        for (int i = deviceResources.size() - 1; i >= 0; i--) {
            try {
                deviceResources.get(i).close();
            } catch (Exception e) {
                log.warn("closing {} failed", deviceResources.get(i), e);
            }
        }
        deviceResources.clear();
    }

    /**
     * The longest prompt + completion served: the model's context, or the configured limit, and never more than the
     * KV cache holds (as vLLM does: one sequence must always fit). The model's own context is capped with a warning;
     * an explicit setting beyond either is a start-up error.
     */
    private static int maxModelLen(int context, NodeProperties.Engine settings, BatchRunner runner) {
        long cacheTokens = (long) runner.numBlocks() * runner.blockSize();
        if (settings.maxModelLen() > 0) {
            if (context > 0 && settings.maxModelLen() > context) {
                throw new IllegalArgumentException("quantserve.node.engine.max-model-len " + settings.maxModelLen()
                        + " exceeds the model's context length of " + context);
            }
            if (settings.maxModelLen() > cacheTokens) {
                throw new IllegalArgumentException("quantserve.node.engine.max-model-len " + settings.maxModelLen()
                        + " needs more KV cache than quantserve.node.engine.kv-cache-memory ("
                        + settings.kvCacheMemory() + ") holds: " + cacheTokens + " tokens");
            }
            return settings.maxModelLen();
        }
        if (context <= 0 || context > cacheTokens) {
            log.warn("serving at most {} tokens per request (prompt + completion): the KV cache ({}) holds {} tokens,"
                    + " less than the model's context of {}; raise quantserve.node.engine.kv-cache-memory to serve"
                    + " longer requests", cacheTokens, settings.kvCacheMemory(), cacheTokens, context);
            return (int) Math.min(Integer.MAX_VALUE, cacheTokens);
        }
        return context;
    }

    /** One short generation so the first client does not pay for JIT compilation and first-touch page faults. */
    private void warmUp() throws Exception {
        long start = System.nanoTime();
        int[] prompt = model.tokenizer().encode("Hello, world");
        if (prompt.length == 0) {
            prompt = new int[] {0};
        }
        CompletableFuture<RequestOutput> done = new CompletableFuture<>();
        loop.core().add(new EngineRequest("warm-up", prompt, SamplingParams.greedy(), 2, Set.of()), out -> {
            if (out.finished()) {
                done.complete(out);
            }
        });
        RequestOutput last = done.get(5, TimeUnit.MINUTES);
        if (last.error() != null) {
            throw new IllegalStateException("warm-up failed: " + last.error());
        }
        log.info("warmed up in {} ms", (System.nanoTime() - start) / 1_000_000);
    }

    public ServedModel model() {
        return model;
    }

    public State state() {
        State current = state;
        return current == State.READY && loop.failure() != null ? State.FAILED : current;
    }

    /** Why the engine failed (see {@link State#FAILED}), null if it did not. */
    public String failure() {
        Throwable failure = loop.failure();
        return failure == null ? null : failure.toString();
    }

    public EngineStats stats() {
        return loop.core().stats();
    }

    /** Blocks of the KV cache (host or device memory, as the backend keeps it). */
    public int kvCacheBlocks() {
        return runner.numBlocks();
    }

    /** Token slots per KV cache block. */
    public int kvBlockSize() {
        return runner.blockSize();
    }

    /** Where the model runs: "cpu" or "cuda". */
    public String backend() {
        return runner.backend();
    }

    /** Why the backend was chosen (the CUDA probe's finding, or the GPU runner's refusal on auto). */
    public String backendReason() {
        return backendReason;
    }

    /**
     * Admits all {@code requests} (the choices of one API request) or none: 503 while not ready, 429 when the waiting
     * queue is full. The outputs of {@code requests[i]} go to {@code listeners[i]}.
     */
    public void submit(List<EngineRequest> requests, List<Consumer<RequestOutput>> listeners) {
        State now = state();
        if (now != State.READY) {
            throw new NodeUnavailableException(switch (now) {
                case DRAINING, STOPPED -> "the node is shutting down";
                case FAILED -> "the engine failed (" + failure() + "); the node must be restarted";
                default -> "the model is still loading";
            });
        }
        int n = requests.size();
        while (true) {
            int current = inFlight.get();
            if (current + n > admissionLimit) {
                throw new NodeOverloadedException("the node is at capacity (" + current + " requests running or"
                        + " waiting, limit " + admissionLimit + "); retry later", 1);
            }
            if (inFlight.compareAndSet(current, current + n)) {
                break;
            }
        }
        int added = 0;
        try {
            for (int i = 0; i < n; i++) {
                Consumer<RequestOutput> listener = listeners.get(i);
                loop.core().add(requests.get(i), out -> {
                    if (out.finished()) {
                        inFlight.decrementAndGet();
                    }
                    listener.accept(out);
                });
                added++;
            }
        } catch (RuntimeException e) {
            inFlight.addAndGet(-(n - added));
            for (int i = 0; i < added; i++) {
                loop.core().abort(requests.get(i).id());
            }
            if (loop.failure() != null) { // it failed while these were being added
                throw new NodeUnavailableException("the engine failed (" + failure() + "); the node must be restarted");
            }
            throw e;
        }
    }

    /** Ends a request early (client gone, stop string seen); its outputs end with reason ABORT. */
    public void abort(String requestId) {
        loop.core().abort(requestId);
    }

    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public void start() {
        // loading and warm-up ran in the constructor
    }

    /** Drain: refuse new requests, wait for admitted ones up to the drain timeout, then stop the loop. */
    @Override
    public void stop() {
        if (state == State.STOPPED) {
            return;
        }
        state = State.DRAINING;
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        log.info("draining: {} requests in flight, waiting up to {}", inFlight.get(), drainTimeout);
        try {
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (inFlight.get() > 0) {
                log.warn("drain timeout: ending {} requests still in flight", inFlight.get());
            }
            loop.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            state = State.STOPPED;
            closeDevice();
            try {
                model.loaded().close();
            } catch (Exception e) {
                log.warn("closing the model failed", e);
            }
        }
    }

    @Override
    public boolean isRunning() {
        return state == State.READY || state == State.DRAINING;
    }

    /** Stops before the web server's graceful shutdown, so in-flight streams finish while the server still runs. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }
}
