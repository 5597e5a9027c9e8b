package io.quantserve.engine.serve;

import io.quantserve.engine.kvcache.KvCacheManager;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.sampling.Sampler;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.sampling.TokenLogprob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching over one model and one paged KV cache: each {@link #step()} schedules, runs one batched forward
 * over every scheduled sequence, samples those that produced logits and delivers each request's new tokens to its
 * listener. {@link #add} and {@link #abort} may be called from any thread (they queue a command the engine thread runs
 * at the start of its next step); {@link #step} and {@link #awaitWork} belong to the one engine thread.
 */
public final class EngineCore {
    private static final Logger log = LoggerFactory.getLogger(EngineCore.class);

    private final BatchRunner runner;
    private final Scheduler scheduler;
    private final NgramProposer proposer; // null: no speculative decoding
    private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final Map<String, Active> active = new HashMap<>(); // engine thread only
    private final AtomicLong nextSeqId = new AtomicLong();
    private long promptTokens;
    private long generationTokens;
    private long drafts;
    private long draftTokens;
    private long acceptedTokens;
    private volatile EngineStats stats;
    private volatile String stopped; // why failAll ended the engine, null while it runs

    /**
     * What the engine keeps per request besides the scheduler's sequence; {@code promptLogprobs} (entry i: prompt token
     * i + 1's) is filled while the prompt runs when the request asked for it, else null.
     */
    private record Active(Sequence seq, Sampler sampler, Consumer<RequestOutput> listener,
            TokenLogprob[] promptLogprobs) {
        /** Whether this chunk's rows must all bring logits: prompt rows whose log-probabilities are not out yet. */
        boolean scoresPrompt() {
            return promptLogprobs != null && seq.numGenerated() == 0;
        }
    }

    /** The fp32 logits that prompt-scoring rows of one step may take. */
    static final long SCORED_LOGITS_BYTES = 64L << 20;

    /** The CPU model over {@code pool}, with activations for the scheduler's token budget. */
    public EngineCore(LlamaModel model, KvCachePool pool, SchedulerConfig config) {
        this(new CpuBatchRunner(model, pool, config.maxNumBatchedTokens()), config);
    }

    /**
     * Batches on {@code runner} (any backend), whose cache blocks the scheduler hands out with prefix caching. The
     * caller keeps ownership of the runner and closes it after the engine stopped.
     */
    public EngineCore(BatchRunner runner, SchedulerConfig config) {
        this(runner, config, null);
    }

    /**
     * As {@link #EngineCore(BatchRunner, SchedulerConfig)}, with speculative decoding when {@code speculative} is not
     * null: every decode step also verifies the tokens {@link NgramProposer} drafts, keeping those the sampler agrees
     * with (output distribution unchanged; several tokens per step where the text repeats itself).
     */
    public EngineCore(BatchRunner runner, SchedulerConfig config, SpeculativeConfig speculative) {
        if (runner.maxTokens() < config.maxNumBatchedTokens()) {
            throw new IllegalArgumentException("the " + runner.backend() + " runner takes " + runner.maxTokens()
                    + " tokens per forward, fewer than the scheduler's budget of " + config.maxNumBatchedTokens());
        }
        this.runner = runner;
        this.proposer = speculative == null ? null : new NgramProposer(speculative);
        this.scheduler = new Scheduler(new KvCacheManager(runner.numBlocks(), runner.blockSize(), true), config,
                maxScoredRows(runner.config().vocabSize()));
        publishStats();
    }

    /**
     * Prompt rows with logits (prompt log-probabilities) one step runs at most: {@value #SCORED_LOGITS_BYTES} bytes of
     * fp32 logits, e.g. 512 rows at a 32K vocabulary, 128 at 128K (a whole 512-token chunk would be 256 MB).
     */
    static int maxScoredRows(int vocabSize) {
        return (int) Math.max(1, SCORED_LOGITS_BYTES / (4L * vocabSize));
    }

    /**
     * Queues a request; its outputs go to {@code listener} on the engine thread, the last one with a finish reason.
     * A request that can never fit the model's context is refused here.
     */
    public void add(EngineRequest request, Consumer<RequestOutput> listener) {
        int context = runner.config().maxPositions();
        if (context > 0 && request.prompt().length + request.maxTokens() > context) {
            throw new IllegalArgumentException("request " + request.id() + ": prompt (" + request.prompt().length
                    + " tokens) + max tokens (" + request.maxTokens() + ") exceed the model's context of " + context);
        }
        int vocab = runner.config().vocabSize();
        for (int token : request.prompt()) {
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException("request " + request.id() + ": token id " + token
                        + " is outside the vocabulary of " + vocab);
            }
        }
        for (int token : request.stopTokenIds()) {
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException("request " + request.id() + ": stop token id " + token
                        + " is outside the vocabulary of " + vocab);
            }
        }
        long arrival = System.nanoTime();
        Runnable command = () -> admit(request, listener, arrival);
        inbox.add(command);
        // after failAll nobody runs the inbox: take the command back unless failAll already ran (and ended) it
        if (stopped != null && inbox.remove(command)) {
            throw new IllegalStateException("the engine has stopped: " + stopped);
        }
    }

    /** Ends a request with reason ABORT, freeing its cache; unknown or finished ids are ignored. */
    public void abort(String requestId) {
        inbox.add(() -> {
            Active a = active.remove(requestId);
            if (a != null) {
                scheduler.finish(a.seq(), FinishReason.ABORT);
                notify(a, RequestOutput.finished(a.seq(), FinishReason.ABORT, null));
            }
        });
    }

    private void admit(EngineRequest request, Consumer<RequestOutput> listener, long arrival) {
        if (active.containsKey(request.id())) {
            listener.accept(RequestOutput.refused(request.id(),
                    "a request with id " + request.id() + " is already running"));
            return;
        }
        Sequence seq = new Sequence(nextSeqId.getAndIncrement(), request, arrival);
        Sampler sampler = new Sampler(request.sampling(), runner.config().vocabSize());
        sampler.acceptPrompt(request.prompt());
        active.put(request.id(), new Active(seq, sampler, listener,
                request.promptLogprobs() >= 0 ? new TokenLogprob[request.prompt().length - 1] : null));
        scheduler.add(seq);
    }

    /** Blocks the engine thread until there is something to do. */
    public void awaitWork() throws InterruptedException {
        if (!scheduler.hasWork() && inbox.isEmpty()) {
            inbox.take().run();
        }
    }

    /** One iteration: commands, schedule, one batched forward, sampling; returns what each request got. */
    public List<RequestOutput> step() {
        for (Runnable command; (command = inbox.poll()) != null; ) {
            command.run();
        }
        List<RequestOutput> outputs = new ArrayList<>();
        SchedulerOutput plan = scheduler.schedule();
        for (Sequence failed : plan.failed()) {
            Active a = active.remove(failed.request().id());
            deliver(a, RequestOutput.finished(failed, FinishReason.ERROR, failed.error()),
                    outputs);
        }
        if (!plan.chunks().isEmpty()) {
            run(plan.chunks(), outputs);
        }
        publishStats();
        return outputs;
    }

    private void run(List<ScheduledChunk> chunks, List<RequestOutput> outputs) {
        KvCacheManager manager = scheduler.manager();
        List<BatchSegment> segments = new ArrayList<>(chunks.size());
        for (ScheduledChunk c : chunks) {
            BatchSegment.Logits wanted = c.drafts() > 0 || active.get(c.seq().request().id()).scoresPrompt()
                    ? BatchSegment.Logits.ALL : c.sample() ? BatchSegment.Logits.LAST : BatchSegment.Logits.NONE;
            segments.add(new BatchSegment(manager.blockTable(c.seq().seqId()), c.start(), c.tokens(), wanted));
        }
        int[] drawn = onDevice(chunks, segments) ? forwardAndSample(chunks, segments) : null;
        float[][] logits = drawn == null ? runner.forward(segments) : null;
        for (int i = 0; i < chunks.size(); i++) {
            ScheduledChunk c = chunks.get(i);
            Sequence seq = c.seq();
            Active a = active.get(seq.request().id());
            if (a.scoresPrompt()) {
                scorePrompt(a, c, logits[i], runner.config().vocabSize());
            }
            boolean firstPrefillDone = seq.numGenerated() == 0 && c.sample();
            seq.advance(c.tokens().length - c.drafts());
            if (!c.sample()) {
                continue;
            }
            if (firstPrefillDone) {
                promptTokens += seq.request().prompt().length;
            }
            TokenLogprob[] promptLogprobs = firstPrefillDone ? a.promptLogprobs() : null;
            if (seq.request().maxTokens() == 0) { // the prompt only
                finish(a, new int[0], null, promptLogprobs, FinishReason.LENGTH, outputs);
                continue;
            }
            if (drawn != null && drawn[i] < 0) {
                throw new IllegalStateException("request " + seq.request().id() + ": no token has a finite logit");
            }
            sampleChunk(a, c, logits == null ? null : logits[i], drawn == null ? -1 : drawn[i], promptLogprobs,
                    outputs);
        }
    }

    /**
     * The tokens a sampled chunk adds: one drawn from its last row (or on the device, {@code deviceToken}); when it
     * carries drafted tokens, one per row for as long as the drawn token is the draft (whose keys and values this
     * forward wrote), then the one that differs or follows the last draft. Every token is drawn and goes through the
     * request's rules (constraint, minimum length, penalties, stop tokens, maximum length) exactly as in plain
     * decoding, one random number each: a draft is accepted with exactly its probability (for a draft proposed with
     * certainty that is what rejection sampling does), the output distribution is unchanged, and a seeded request
     * gets the tokens it gets without drafts.
     */
    private void sampleChunk(Active a, ScheduledChunk c, float[] rows, int deviceToken, TokenLogprob[] promptLogprobs,
            List<RequestOutput> outputs) {
        Sequence seq = a.seq();
        EngineRequest request = seq.request();
        int vocab = runner.config().vocabSize();
        int[] draft = c.draftTokens();
        if (draft.length > 0) {
            drafts++;
            draftTokens += draft.length;
        }
        int lastRow = c.tokens().length - 1 - draft.length; // the row of the sequence's last token
        int[] tokens = new int[draft.length + 1];
        TokenLogprob[] logprobs = request.logprobs() >= 0 ? new TokenLogprob[draft.length + 1] : null;
        int count = 0;
        FinishReason reason = null;
        for (int r = 0; r <= draft.length; r++) {
            int token = deviceToken;
            TokenLogprob logprob = null;
            if (rows != null) {
                float[] row = rows.length == vocab ? rows
                        : Arrays.copyOfRange(rows, (lastRow + r) * vocab, (lastRow + r + 1) * vocab);
                // raw distribution first: masks must not show up in the reported log-probabilities
                float[] raw = logprobs != null ? row.clone() : null;
                token = draw(a, row, outputs);
                if (token < 0) {
                    return; // the request ended with an error of its own
                }
                logprob = raw != null ? TokenLogprob.of(raw, vocab, token, request.logprobs()) : null;
            }
            boolean accepted = r < draft.length && token == draft[r];
            if (accepted) {
                acceptedTokens++;
            }
            if (request.stopTokenIds().contains(token)) {
                reason = FinishReason.STOP;
                break;
            }
            seq.append(token);
            a.sampler().accept(token);
            generationTokens++;
            int drawnToken = token;
            if (request.constraint() != null && !constrain(a, () -> request.constraint().accept(drawnToken),
                    outputs)) {
                return;
            }
            tokens[count] = token;
            if (logprobs != null) {
                logprobs[count] = logprob;
            }
            count++;
            if (seq.numGenerated() >= request.maxTokens()) {
                reason = FinishReason.LENGTH;
                break;
            }
            if (!accepted) {
                break;
            }
            seq.advance(1); // the draft was right: its keys and values, written by this forward, stand
        }
        int[] added = Arrays.copyOf(tokens, count);
        TokenLogprob[] addedLogprobs = logprobs == null ? null : Arrays.copyOf(logprobs, count);
        if (reason != null) {
            finish(a, added, addedLogprobs, promptLogprobs, reason, outputs);
            return;
        }
        RequestOutput out = RequestOutput.tokens(request.id(), added, addedLogprobs);
        deliver(a, promptLogprobs == null ? out : out.withPromptLogprobs(promptLogprobs), outputs);
        if (proposer != null) {
            // the token after the last draft must fit too: within max_tokens, and at a position inside the context
            int limit = request.maxTokens() - seq.numGenerated() - 1;
            int context = runner.config().maxPositions();
            if (context > 0) {
                limit = Math.min(limit, context - seq.numTokens() - 1);
            }
            seq.draft(proposer.propose(seq.tokens(), seq.numTokens(), limit));
        }
    }

    /**
     * The next token from one row of logits under the request's masks (constraint, minimum length); -1 when the request
     * ended instead (its masks left nothing, or its constraint failed).
     */
    private int draw(Active a, float[] row, List<RequestOutput> outputs) {
        EngineRequest request = a.seq().request();
        if (request.constraint() != null && !constrain(a, () -> request.constraint().mask(row), outputs)) {
            return -1;
        }
        if (holdsStops(a.seq())) {
            holdStops(row, request.stopTokenIds()); // never the last finite logits
        }
        if (request.constraint() != null && !anyFinite(row, runner.config().vocabSize())) {
            // the request's own masks left nothing: end it, not the engine
            finishWithError(a, "no token may come next: the request's constraints (allowed tokens, bad"
                    + " words, structured output) exclude every token", outputs);
            return -1;
        }
        return a.sampler().next(row);
    }

    /** Whether the sequence's next token must not be a stop token: it has not reached its minimum length yet. */
    private static boolean holdsStops(Sequence seq) {
        return seq.numGenerated() < seq.request().minTokens() && !seq.request().stopTokenIds().isEmpty();
    }

    /**
     * min_tokens: the stop tokens masked, unless they are all that remains (a structured output that is complete
     * can only end: it ends, short of min_tokens).
     */
    private static void holdStops(float[] logits, Set<Integer> stops) {
        for (int t = 0; t < logits.length; t++) {
            if (logits[t] != Float.NEGATIVE_INFINITY && !stops.contains(t)) {
                for (int stop : stops) {
                    logits[stop] = Float.NEGATIVE_INFINITY;
                }
                return;
            }
        }
    }

    private static boolean anyFinite(float[] logits, int vocab) {
        for (int t = 0; t < vocab; t++) {
            if (logits[t] != Float.NEGATIVE_INFINITY && !Float.isNaN(logits[t])) {
                return true;
            }
        }
        return false;
    }

    /** Each row of a prompt chunk whose next token is a prompt token: that token's log-probability (raw logits). */
    private static void scorePrompt(Active a, ScheduledChunk c, float[] rows, int vocab) {
        int[] prompt = c.seq().request().prompt();
        int top = c.seq().request().promptLogprobs();
        for (int r = 0; r < c.tokens().length; r++) {
            int position = c.start() + r;
            if (position + 1 < prompt.length) {
                a.promptLogprobs()[position] = TokenLogprob.of(rows, r * vocab, vocab, prompt[position + 1], top);
            }
        }
    }

    /**
     * Whether this step's tokens can be drawn on the runner's device: it samples there, and no sampled row needs the
     * logits on the host (log-probabilities of output or prompt, a structured-output or minimum-length mask, penalties,
     * logit bias).
     */
    private boolean onDevice(List<ScheduledChunk> chunks, List<BatchSegment> segments) {
        if (!runner.samplesOnDevice()) {
            return false;
        }
        if (segments.stream().anyMatch(s -> s.logits() == BatchSegment.Logits.ALL)) {
            return false; // prompt rows scored on the host
        }
        for (ScheduledChunk c : chunks) {
            if (c.sample()) {
                EngineRequest r = c.seq().request();
                if (r.logprobs() >= 0 || r.constraint() != null || holdsStops(c.seq())
                        || !active.get(r.id()).sampler().penaltyFree()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The forward with each sampled row's parameters and its sampler's next uniform number. */
    private int[] forwardAndSample(List<ScheduledChunk> chunks, List<BatchSegment> segments) {
        List<SamplingParams> params = new ArrayList<>(chunks.size());
        double[] u = new double[chunks.size()];
        for (int i = 0; i < chunks.size(); i++) {
            ScheduledChunk c = chunks.get(i);
            if (c.sample()) {
                Sampler sampler = active.get(c.seq().request().id()).sampler();
                params.add(sampler.params());
                u[i] = sampler.nextUniform();
            } else {
                params.add(null);
            }
        }
        return runner.forwardAndSample(segments, params, u);
    }

    /**
     * Runs a step of the request's constraint (code the request chose: a grammar, a regular expression): when it
     * fails, even by running out of stack, that request ends with the error and the engine goes on. False then.
     */
    private boolean constrain(Active a, Runnable step, List<RequestOutput> outputs) {
        try {
            step.run();
            return true;
        } catch (RuntimeException | StackOverflowError e) {
            log.warn("request {}: its output constraint failed", a.seq().request().id(), e);
            finishWithError(a, "the request's output constraint failed: " + e, outputs);
            return false;
        }
    }

    /** Ends one request with an error (its own doing), the others going on. */
    private void finishWithError(Active a, String error, List<RequestOutput> outputs) {
        scheduler.finish(a.seq(), FinishReason.ERROR);
        active.remove(a.seq().request().id());
        deliver(a, RequestOutput.finished(a.seq(), FinishReason.ERROR, error), outputs);
    }

    private void finish(Active a, int[] tokens, TokenLogprob[] logprobs, TokenLogprob[] promptLogprobs,
            FinishReason reason, List<RequestOutput> outputs) {
        String id = a.seq().request().id();
        scheduler.finish(a.seq(), reason);
        active.remove(id);
        RequestOutput out = RequestOutput.finished(a.seq(), tokens, logprobs, reason, null);
        deliver(a, promptLogprobs == null ? out : out.withPromptLogprobs(promptLogprobs), outputs);
    }

    private static void deliver(Active a, RequestOutput output, List<RequestOutput> outputs) {
        outputs.add(output);
        if (a != null) {
            notify(a, output);
        }
    }

    // a broken listener (a client stream that failed) must not stop the engine for everyone else
    private static void notify(Active a, RequestOutput output) {
        try {
            a.listener().accept(output);
        } catch (RuntimeException e) {
            log.warn("listener of request {} failed", output.requestId(), e);
        }
    }

    /**
     * Ends every request with ERROR, e.g. after a forward failed: its listeners must not wait forever. The cache
     * state of a failed forward is unknown, so the engine is not used afterwards: {@link #add} refuses from then on
     * (a request added meanwhile is ended here or refused there, never left waiting).
     */
    public void failAll(String error) {
        stopped = error;
        for (Runnable command; (command = inbox.poll()) != null; ) {
            command.run();
        }
        for (Active a : List.copyOf(active.values())) {
            scheduler.finish(a.seq(), FinishReason.ERROR);
            notify(a, RequestOutput.finished(a.seq(), FinishReason.ERROR, error));
        }
        active.clear();
        publishStats();
    }

    public boolean hasWork() {
        return scheduler.hasWork() || !inbox.isEmpty();
    }

    /** The latest snapshot, readable from any thread. */
    public EngineStats stats() {
        return stats;
    }

    private void publishStats() {
        KvCacheManager m = scheduler.manager();
        stats = new EngineStats(scheduler.numRunning(), scheduler.numWaiting(), scheduler.preemptions(), promptTokens,
                generationTokens, m.prefixCacheQueries(), m.prefixCacheHits(), m.usage(), drafts, draftTokens,
                acceptedTokens);
    }
}
