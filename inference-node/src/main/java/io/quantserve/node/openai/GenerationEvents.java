package io.quantserve.node.openai;

import io.quantserve.engine.sampling.TokenLogprob;
import io.quantserve.node.generation.ChoiceDelta;
import io.quantserve.node.generation.GenerationListener;
import io.quantserve.node.generation.TextGeneration;
import io.quantserve.node.generation.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * Hands one request's output from the engine thread to the HTTP thread that writes the response, and drives that
 * response: gathered into one body, or streamed as server-sent events. Both endpoints share this; they differ only in
 * the shapes of their bodies and chunks.
 */
final class GenerationEvents implements GenerationListener {
    sealed interface Event permits DeltaEvent, Completed, Failed {
    }

    record DeltaEvent(ChoiceDelta delta) implements Event {
    }

    record Completed(Usage usage) implements Event {
    }

    record Failed(String message) implements Event {
    }

    /** Everything a whole (non-streamed) response needs, per choice index. */
    record Collected(List<String> texts, List<List<TokenLogprob>> logprobs, List<List<TokenLogprob>> promptLogprobs,
            List<String> finishReasons, List<List<Integer>> tokens, Usage usage) {
    }

    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final boolean everyToken;

    GenerationEvents() {
        this(false);
    }

    /**
     * @param everyToken stream deltas that add tokens but no text yet (held back as a possible stop string, part of a
     *                   character) too: the request wants each token's id or a running usage count
     */
    GenerationEvents(boolean everyToken) {
        this.everyToken = everyToken;
    }

    @Override
    public void onDelta(ChoiceDelta delta) {
        queue.add(new DeltaEvent(delta));
    }

    @Override
    public void onComplete(Usage usage) {
        queue.add(new Completed(usage));
    }

    @Override
    public void onError(String message) {
        queue.add(new Failed(message));
    }

    /**
     * Waits for the whole request: {@code n} choices' text, log-probabilities, finish reasons and token ids, and the
     * usage.
     */
    Collected collect(int n, TextGeneration.Handle handle) throws InterruptedException {
        List<StringBuilder> texts = new ArrayList<>();
        List<List<TokenLogprob>> logprobs = new ArrayList<>();
        List<List<TokenLogprob>> promptLogprobs = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        List<List<Integer>> tokens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            texts.add(new StringBuilder());
            logprobs.add(new ArrayList<>());
            promptLogprobs.add(new ArrayList<>());
            reasons.add(null);
            tokens.add(new ArrayList<>());
        }
        try {
            while (true) {
                switch (queue.take()) {
                    case DeltaEvent(var d) -> {
                        texts.get(d.index()).append(d.text());
                        logprobs.get(d.index()).addAll(d.logprobs());
                        promptLogprobs.get(d.index()).addAll(d.promptLogprobs());
                        reasons.set(d.index(), d.finishReason());
                        for (int t : d.tokens()) {
                            tokens.get(d.index()).add(t);
                        }
                    }
                    case Completed(var usage) -> {
                        return new Collected(texts.stream().map(StringBuilder::toString).toList(), logprobs,
                                promptLogprobs, reasons, tokens, usage);
                    }
                    case Failed(var message) -> throw OpenAiException.serverError(message);
                }
            }
        } catch (InterruptedException e) {
            handle.cancel();
            throw e;
        }
    }

    /**
     * Streams the request: {@code first} events, then the chunks of each delta that has something to say, the usage chunk
     * when {@code usageChunk} is given, and [DONE]; an engine failure becomes an error event. A client that goes away
     * cancels the request at once (its sequences are freed); there is no one left to tell.
     */
    void stream(SseWriter sse, TextGeneration.Handle handle, List<?> first, Function<ChoiceDelta, List<?>> chunks,
            Function<Usage, ?> usageChunk) {
        stream(sse, handle, first, chunks, usage -> usageChunk == null ? List.of() : List.of(usageChunk.apply(usage)),
                message -> ErrorResponse.of(message, "server_error", null, null));
    }

    /** As above, with the events that end a completed stream and the one that reports a failure given. */
    void stream(SseWriter sse, TextGeneration.Handle handle, List<?> first, Function<ChoiceDelta, List<?>> chunks,
            Function<Usage, List<?>> last, Function<String, ?> failure) {
        try {
            for (Object event : first) {
                sse.event(event);
            }
            while (true) {
                switch (queue.take()) {
                    case DeltaEvent(var d) -> {
                        if (d.text().isEmpty() && !d.last() && d.logprobs().isEmpty() && d.promptLogprobs().isEmpty()
                                && !(everyToken && d.tokens().length > 0)) {
                            continue; // text held back (stop-string prefix, partial character): nothing to say yet
                        }
                        for (Object chunk : chunks.apply(d)) {
                            sse.event(chunk);
                        }
                    }
                    case Completed(var usage) -> {
                        for (Object event : last.apply(usage)) {
                            sse.event(event);
                        }
                        sse.done();
                        return;
                    }
                    case Failed(var message) -> {
                        sse.event(failure.apply(message));
                        sse.done();
                        return;
                    }
                }
            }
        } catch (IOException e) {
            handle.cancel();
        } catch (InterruptedException e) {
            handle.cancel();
            Thread.currentThread().interrupt();
        }
    }
}
