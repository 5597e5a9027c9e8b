package io.quantserve.engine.serve;

import java.util.Arrays;

/**
 * The scheduler's view of one request: its tokens so far (prompt, then generated) and how many of them have keys and
 * values in the cache. A sequence with exactly one uncomputed token is decoding; more means a prompt (or, after
 * preemption, prompt plus output) still being prefilled. Owned by the engine thread.
 */
public final class Sequence {
    public enum Status { WAITING, RUNNING, FINISHED }

    private final long seqId;
    private final EngineRequest request;
    private final long arrivalNanos;
    private int[] tokens;     // [capacity] prompt then generated, the first numTokens in use
    private int numTokens;
    private int numComputed;  // tokens whose K/V are in the cache
    private boolean holdsBlocks;
    private Status status = Status.WAITING;
    private FinishReason finishReason;
    private String error;
    private long firstScheduledNanos = -1;
    private int[] draft = new int[0]; // speculative decoding: tokens proposed to follow the uncomputed one

    public Sequence(long seqId, EngineRequest request, long arrivalNanos) {
        this.seqId = seqId;
        this.request = request;
        this.arrivalNanos = arrivalNanos;
        this.tokens = Arrays.copyOf(request.prompt(), request.prompt().length + Math.min(request.maxTokens(), 256));
        this.numTokens = request.prompt().length;
    }

    public long seqId() {
        return seqId;
    }

    public EngineRequest request() {
        return request;
    }

    public long arrivalNanos() {
        return arrivalNanos;
    }

    /** Time from arrival until first scheduled (the request's queue time), -1 while it has never run. */
    public long queueNanos() {
        return firstScheduledNanos < 0 ? -1 : firstScheduledNanos - arrivalNanos;
    }

    public Status status() {
        return status;
    }

    public FinishReason finishReason() {
        return finishReason;
    }

    public String error() {
        return error;
    }

    public int numTokens() {
        return numTokens;
    }

    public int numComputed() {
        return numComputed;
    }

    public int numGenerated() {
        return numTokens - request.prompt().length;
    }

    /** Tokens still to run through the model: 1 while decoding. */
    public int numUncomputed() {
        return numTokens - numComputed;
    }

    /** All tokens so far, prompt then generated. */
    public int[] tokens() {
        return Arrays.copyOf(tokens, numTokens);
    }

    public int[] generated() {
        return Arrays.copyOfRange(tokens, request.prompt().length, numTokens);
    }

    int[] tokens(int from, int count) {
        return Arrays.copyOfRange(tokens, from, from + count);
    }

    /** The forward of {@code count} scheduled tokens ran: their K/V are in the cache. */
    void advance(int count) {
        if (numComputed + count > numTokens) {
            throw new IllegalStateException("sequence " + seqId + " has only " + numUncomputed() + " tokens to compute");
        }
        numComputed += count;
    }

    /** A sampled token joins the sequence; the next step computes it. */
    void append(int token) {
        if (numTokens == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[numTokens++] = token;
    }

    /**
     * Tokens proposed to follow the sequence's last token (speculative decoding), which the next decode step verifies
     * together with it; empty when none.
     */
    int[] draft() {
        return draft;
    }

    void draft(int[] tokens) {
        draft = tokens;
    }

    boolean holdsBlocks() {
        return holdsBlocks;
    }

    void started(int computedPrefix) {
        holdsBlocks = true;
        numComputed = computedPrefix;
    }

    void running() {
        status = Status.RUNNING;
        if (firstScheduledNanos < 0) {
            firstScheduledNanos = System.nanoTime();
        }
    }

    /** Lost its cache: back to waiting, to recompute everything (prompt and output so far) when readmitted. */
    void preempted() {
        holdsBlocks = false;
        numComputed = 0;
        status = Status.WAITING;
    }

    void finish(FinishReason reason, String error) {
        holdsBlocks = false;
        status = Status.FINISHED;
        finishReason = reason;
        this.error = error;
    }

    @Override
    public String toString() {
        return "Sequence[" + request.id() + " #" + seqId + " " + status + " " + numComputed + "/" + numTokens + "]";
    }
}
