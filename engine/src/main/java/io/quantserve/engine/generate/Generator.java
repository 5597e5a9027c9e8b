package io.quantserve.engine.generate;

import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.sampling.Sampler;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.tokenizer.StreamingDecoder;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One sequence at a time: prefill the prompt as one matrix-matrix pass, then decode token by token with the KV
 * cache, sampling each next token, streaming text, and stopping on EOS, a stop string or the token limit.
 */
public final class Generator {

    /**
     * @param stop      stop strings (need a tokenizer to see text)
     * @param ignoreEos keep going past EOS tokens (benchmarks)
     */
    public record Request(int[] prompt, SamplingParams sampling, int maxTokens, List<String> stop, boolean ignoreEos) {
        public Request {
            if (prompt.length == 0) {
                throw new IllegalArgumentException("the prompt has no tokens");
            }
            if (maxTokens < 0) {
                throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
            }
            stop = List.copyOf(stop);
        }
    }

    public enum FinishReason { STOP, LENGTH }

    /** The generated ids (EOS excluded), their text (stop string excluded), and timings. */
    public record Result(int[] tokens, String text, FinishReason finishReason, int promptTokens,
            double prefillSeconds, double decodeSeconds) {
    }

    private final TokenModel model;
    private final Tokenizer tokenizer; // null: ids only
    private final Set<Integer> eosIds;

    public Generator(LlamaModel model, Tokenizer tokenizer, Set<Integer> eosIds) {
        this(TokenModel.cpu(model), tokenizer, eosIds);
    }

    /** On any {@link TokenModel}: the CPU model or a GPU runner. */
    public Generator(TokenModel model, Tokenizer tokenizer, Set<Integer> eosIds) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.eosIds = Set.copyOf(eosIds);
    }

    /** Generates, passing each piece of new text to {@code onText} as soon as it is final. */
    public Result generate(Request request, Consumer<String> onText) {
        if (tokenizer == null && !request.stop().isEmpty()) {
            throw new IllegalArgumentException("stop strings need a tokenizer");
        }
        int context = request.prompt().length + request.maxTokens();
        if (context > model.config().maxPositions()) {
            throw new IllegalArgumentException("prompt (" + request.prompt().length + " tokens) + max tokens ("
                    + request.maxTokens() + ") exceed the model's context of " + model.config().maxPositions());
        }
        try (TokenModel.Sequence state = model.newSequence(Math.max(1, context))) {
            return generate(request, onText, state);
        }
    }

    private Result generate(Request request, Consumer<String> onText, TokenModel.Sequence state) {
        Sampler sampler = new Sampler(request.sampling(), model.config().vocabSize());
        sampler.acceptPrompt(request.prompt());
        StreamingDecoder decoder = tokenizer == null ? null : tokenizer.newStreamingDecoder(true, request.prompt());
        StopStrings stops = new StopStrings(request.stop());
        StringBuilder text = new StringBuilder();

        long start = System.nanoTime();
        float[] logits = state.forward(request.prompt(), 0);
        long prefillEnd = System.nanoTime();

        int[] generated = new int[request.maxTokens()];
        int count = 0;
        FinishReason reason = FinishReason.LENGTH;
        while (count < request.maxTokens()) {
            int token = sampler.next(logits);
            if (!request.ignoreEos() && eosIds.contains(token)) {
                reason = FinishReason.STOP;
                break;
            }
            generated[count++] = token;
            sampler.accept(token);
            if (decoder != null) {
                StopStrings.Emit emit = stops.push(decoder.accept(token));
                emitText(emit.text(), text, onText);
                if (emit.stopped()) {
                    reason = FinishReason.STOP;
                    break;
                }
            }
            if (count < request.maxTokens()) {
                logits = state.forward(new int[] {token}, request.prompt().length + count - 1);
            }
        }
        if (decoder != null && !stops.stopped()) {
            StopStrings.Emit tail = stops.push(decoder.finish());
            emitText(tail.text(), text, onText);
            if (tail.stopped()) {
                reason = FinishReason.STOP;
            } else {
                emitText(stops.flush(), text, onText);
            }
        }
        long end = System.nanoTime();
        return new Result(Arrays.copyOf(generated, count), text.toString(), reason, request.prompt().length,
                (prefillEnd - start) / 1e9, (end - prefillEnd) / 1e9);
    }

    private static void emitText(String piece, StringBuilder text, Consumer<String> onText) {
        if (!piece.isEmpty()) {
            text.append(piece);
            onText.accept(piece);
        }
    }
}
