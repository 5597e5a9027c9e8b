package io.quantserve.node.generation;

import io.quantserve.engine.generate.StopStrings;
import io.quantserve.engine.sampling.TokenLogprob;
import io.quantserve.engine.serve.FinishReason;
import io.quantserve.engine.serve.RequestOutput;
import io.quantserve.engine.tokenizer.StreamingDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one choice's engine outputs (token ids) into text deltas: incremental detokenization that never splits a
 * UTF-8 character, and stop strings (text that might begin a stop string is held back until it cannot; when one
 * matches, the text ends before it and the engine request is aborted, freeing its cache at once).
 * Runs on the engine thread.
 */
final class ChoiceStream {
    /** What the stream needs from the request it belongs to. */
    interface Owner {
        void delta(ChoiceDelta delta, ChoiceStream stream);

        void failed(String error);

        void abort(String engineRequestId);
    }

    private final int index;
    private final String engineRequestId;
    private final StreamingDecoder decoder;
    private final StopStrings stops;
    private final boolean includeStop;
    private final int minTokens; // stop strings count only in the text after this many tokens (vLLM)
    private final boolean wantLogprobs;
    private final Owner owner;
    private final long arrivalNanos;
    private long firstTokenNanos = -1;
    private int tokens;
    private boolean done;
    private String finishReason;

    ChoiceStream(int index, String engineRequestId, StreamingDecoder decoder, GenerationParams.Stopping stopping,
            boolean wantLogprobs, Owner owner, long arrivalNanos) {
        this.index = index;
        this.engineRequestId = engineRequestId;
        this.decoder = decoder;
        this.stops = new StopStrings(stopping.strings());
        this.includeStop = stopping.includeString();
        this.minTokens = stopping.minTokens();
        this.wantLogprobs = wantLogprobs;
        this.owner = owner;
        this.arrivalNanos = arrivalNanos;
    }

    void accept(RequestOutput out) {
        if (done) {
            return; // the ABORT that follows our own abort after a stop string
        }
        if (out.finishReason() == FinishReason.ERROR) {
            done = true;
            finishReason = "error";
            owner.failed(out.error());
            return;
        }
        if (firstTokenNanos < 0 && out.newTokens().length > 0) {
            firstTokenNanos = System.nanoTime() - arrivalNanos;
        }
        StringBuilder text = new StringBuilder();
        List<TokenLogprob> logprobs = new ArrayList<>();
        int taken = 0;
        String finish = null;
        for (int i = 0; i < out.newTokens().length && finish == null; i++) {
            taken++;
            tokens++;
            if (wantLogprobs && out.logprobs() != null) {
                logprobs.add(out.logprobs()[i]);
            }
            String piece = decoder.accept(out.newTokens()[i]);
            if (tokens <= minTokens) {
                text.append(piece);
                continue;
            }
            StopStrings.Emit emit = stops.push(piece);
            text.append(emit.text());
            if (emit.stopped() && includeStop) {
                text.append(emit.stop());
            }
            if (emit.stopped()) {
                finish = "stop";
                owner.abort(engineRequestId);
            }
        }
        if (finish == null && out.finished()) {
            StopStrings.Emit tail = stops.push(decoder.finish());
            text.append(tail.text());
            if (tail.stopped() && includeStop) {
                text.append(tail.stop());
            }
            if (!tail.stopped()) {
                text.append(stops.flush());
            }
            finish = tail.stopped() ? "stop" : switch (out.finishReason()) {
                case LENGTH -> "length";
                case ABORT -> "abort"; // the client went away: nobody reads this but the metrics
                default -> "stop";
            };
        }
        done = finish != null;
        finishReason = finish;
        owner.delta(new ChoiceDelta(index, text.toString(), Arrays.copyOf(out.newTokens(), taken),
                List.copyOf(logprobs), out.promptLogprobs() == null ? List.of() : List.of(out.promptLogprobs()), finish),
                this);
    }

    String engineRequestId() {
        return engineRequestId;
    }

    boolean done() {
        return done;
    }

    /** stop, length, abort or error once done, else null. */
    String finishReason() {
        return finishReason;
    }

    int tokens() {
        return tokens;
    }

    long firstTokenNanos() {
        return firstTokenNanos;
    }
}
