package io.quantserve.engine.serve;

import io.quantserve.engine.kvcache.KvCacheManager;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides what each engine step runs, with vLLM v1's policy: every running sequence first gets its decode token (so a
 * long prompt never stalls the others), then partially prefilled prompts, then the decoding sequences' drafted tokens
 * (speculative decoding) and then waiting prompts fill the rest of the token budget in chunks (chunked prefill).
 * Admission starts from the longest cached prefix. When the cache runs out,
 * the newest running sequence is preempted: its blocks are freed and it goes back to the front of the waiting queue to
 * recompute prompt and output later, so no request fails for lack of cache that someone else holds; one that cannot
 * fit even alone fails. Not thread-safe: the engine thread owns it.
 */
public final class Scheduler {
    private final KvCacheManager manager;
    private final SchedulerConfig config;
    private final int maxScoredRows;
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>(); // admission order: the last is the newest
    private long preemptions;

    public Scheduler(KvCacheManager manager, SchedulerConfig config) {
        this(manager, config, Integer.MAX_VALUE);
    }

    /**
     * @param maxScoredRows prompt rows of prompt-log-probability requests one step runs at most: each brings a row of
     *                      logits over the whole vocabulary (the engine sizes it so that they stay a bounded array)
     */
    public Scheduler(KvCacheManager manager, SchedulerConfig config, int maxScoredRows) {
        if (maxScoredRows < 1) {
            throw new IllegalArgumentException("max scored rows must be positive, got " + maxScoredRows);
        }
        this.manager = manager;
        this.config = config;
        this.maxScoredRows = maxScoredRows;
    }

    public void add(Sequence seq) {
        if (seq.status() != Sequence.Status.WAITING || seq.holdsBlocks()) {
            throw new IllegalStateException(seq + " is not new");
        }
        waiting.addLast(seq);
    }

    /** The state of one step in the making: budget left and what got tokens so far. */
    private final class Step {
        int budget = config.maxNumBatchedTokens();
        int scoredRows = maxScoredRows;
        final Map<Sequence, Integer> scheduled = new LinkedHashMap<>(); // seq -> tokens, in batch order
        final Map<Sequence, Integer> drafts = new HashMap<>(); // seq -> how many of its tokens are drafted ones
        final List<Sequence> failed = new ArrayList<>();
    }

    public SchedulerOutput schedule() {
        Step step = new Step();
        // 1. decodes: one token for every running sequence that has finished its prefill
        for (Sequence seq : List.copyOf(running)) {
            if (step.budget == 0) {
                break;
            }
            if (seq.status() == Sequence.Status.RUNNING && seq.numUncomputed() == 1) {
                scheduleRunning(step, seq, 1);
            }
        }
        // 2. the next chunk of running sequences still prefilling
        for (Sequence seq : List.copyOf(running)) {
            if (step.budget == 0) {
                break;
            }
            if (seq.status() == Sequence.Status.RUNNING && seq.numUncomputed() > 1) {
                int count = scoredChunk(step, seq, Math.min(seq.numUncomputed(), step.budget));
                if (count > 0) {
                    scheduleRunning(step, seq, count);
                }
            }
        }
        // 3. drafted tokens (speculative decoding) after the decode tokens they follow, while budget, logit rows and
        //    free cache last: they never take a running sequence's token or cause a preemption
        for (Sequence seq : step.scheduled.keySet()) {
            int drafts = Math.min(seq.draft().length, Math.min(step.budget, step.scoredRows - 1));
            if (seq.numUncomputed() == 1 && drafts > 0 && allocate(seq, 1, drafts)) {
                step.scheduled.put(seq, 1 + drafts);
                step.drafts.put(seq, drafts);
                step.budget -= drafts;
                step.scoredRows -= 1 + drafts;
            }
        }
        // 4. admit waiting sequences (preempted ones first) while budget, sequence slots and cache last
        while (!waiting.isEmpty() && step.budget > 0 && running.size() < config.maxNumSeqs()) {
            Sequence seq = waiting.peekFirst();
            if (!seq.holdsBlocks()) {
                // prompt log-probabilities need every prompt row's logits: no start from a cached prefix
                boolean wholePrompt = seq.request().promptLogprobs() >= 0 && seq.numGenerated() == 0;
                seq.started(wholePrompt ? 0 : manager.computedPrefix(seq.seqId(), seq.tokens()));
            }
            int count = scoredChunk(step, seq, Math.min(seq.numUncomputed(), step.budget));
            if (count == 0) {
                break; // its rows' logits would exceed this step's bound: it starts next step, ahead of later ones
            }
            if (!manager.allocate(seq.seqId(), seq.tokens(seq.numComputed(), count))) {
                waiting.pollFirst();
                manager.free(seq.seqId()); // give back the shared prefix: it stays cached and evictable meanwhile
                seq.preempted();
                if (running.isEmpty()) { // the whole pool is free and still too small
                    fail(step, seq);
                    continue;
                }
                waiting.addFirst(seq); // it waits for running sequences to finish; nobody is preempted for it
                break;
            }
            waiting.pollFirst();
            seq.running();
            running.add(seq);
            step.scheduled.put(seq, count);
            step.budget -= count;
        }
        List<ScheduledChunk> chunks = new ArrayList<>(step.scheduled.size());
        step.scheduled.forEach((seq, count) -> {
            int drafts = step.drafts.getOrDefault(seq, 0);
            int[] tokens = seq.tokens(seq.numComputed(), count - drafts);
            if (drafts > 0) {
                tokens = Arrays.copyOf(tokens, count);
                System.arraycopy(seq.draft(), 0, tokens, count - drafts, drafts);
            }
            chunks.add(new ScheduledChunk(seq, seq.numComputed(), tokens,
                    seq.numComputed() + count - drafts == seq.numTokens(), drafts));
        });
        return new SchedulerOutput(List.copyOf(chunks), List.copyOf(step.failed));
    }

    /**
     * Cache slots for a running sequence's next {@code count} tokens and {@code lookahead} drafted ones after them.
     * The manager is handed every token it has not seen: besides these, drafted tokens accepted since the last call,
     * whose keys and values the verifying forward already wrote.
     */
    private boolean allocate(Sequence seq, int count, int lookahead) {
        int known = manager.numTokens(seq.seqId());
        return manager.allocate(seq.seqId(), seq.tokens(known, seq.numComputed() + count - known), lookahead);
    }

    /**
     * A prefill chunk of {@code count} tokens, cut to the scored rows this step has left when the sequence's prompt
     * rows bring logits (prompt log-probabilities); 0 when none are left. The rows are taken from the step's bound.
     */
    private int scoredChunk(Step step, Sequence seq, int count) {
        if (seq.request().promptLogprobs() < 0 || seq.numGenerated() > 0) {
            return count;
        }
        int rows = Math.min(count, step.scoredRows);
        step.scoredRows -= rows;
        return rows;
    }

    /**
     * Allocates {@code count} tokens for a running sequence, preempting the newest running sequences that this step
     * has not scheduled until it fits. Victims are never ones already scheduled: their blocks were registered in the
     * prefix cache and must get their K/V in this step's forward.
     */
    private void scheduleRunning(Step step, Sequence seq, int count) {
        while (!allocate(seq, count, 0)) {
            Sequence victim = newestUnscheduled(step);
            if (victim == seq && running.size() == 1) {
                running.remove(seq);
                manager.free(seq.seqId());
                fail(step, seq);
                return;
            }
            preempt(victim);
            if (victim == seq) {
                return;
            }
        }
        step.scheduled.put(seq, count);
        step.budget -= count;
    }

    private Sequence newestUnscheduled(Step step) {
        for (int i = running.size() - 1; i >= 0; i--) {
            if (!step.scheduled.containsKey(running.get(i))) {
                return running.get(i);
            }
        }
        throw new IllegalStateException("the sequence being scheduled is not running");
    }

    private void preempt(Sequence victim) {
        running.remove(victim);
        manager.free(victim.seqId());
        victim.preempted();
        waiting.addFirst(victim);
        preemptions++;
    }

    private void fail(Step step, Sequence seq) {
        seq.finish(FinishReason.ERROR, "the sequence needs " + seq.numTokens() + "+ tokens of KV cache, more than the"
                + " whole pool of " + manager.numBlocks() + " blocks of " + manager.blockSize() + " holds");
        step.failed.add(seq);
    }

    /** Ends a sequence wherever it is (finished, aborted), freeing its blocks; a no-op for one already finished. */
    public void finish(Sequence seq, FinishReason reason) {
        if (seq.status() == Sequence.Status.FINISHED) {
            return;
        }
        running.remove(seq);
        waiting.remove(seq);
        if (seq.holdsBlocks()) {
            manager.free(seq.seqId());
        }
        seq.finish(reason, null);
    }

    public int numRunning() {
        return running.size();
    }

    public int numWaiting() {
        return waiting.size();
    }

    public boolean hasWork() {
        return !running.isEmpty() || !waiting.isEmpty();
    }

    /** Sequences preempted since creation (a monotonic counter). */
    public long preemptions() {
        return preemptions;
    }

    public KvCacheManager manager() {
        return manager;
    }

    public SchedulerConfig config() {
        return config;
    }
}
