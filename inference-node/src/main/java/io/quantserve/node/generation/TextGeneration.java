package io.quantserve.node.generation;

import io.quantserve.engine.serve.EngineRequest;
import io.quantserve.engine.serve.RequestOutput;
import io.quantserve.node.engine.NodeEngine;
import io.quantserve.node.metrics.ServingMetrics;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.stereotype.Service;

/**
 * Runs API requests on the engine: each choice (n per prompt) is its own engine request (seed + j for a prompt's j-th
 * choice when seeded, so choices differ but repeat), its tokens turned into text by a {@link ChoiceStream}; the
 * listener hears every delta and, once all choices ended, the usage.
 */
@Service
public class TextGeneration {
    private final NodeEngine engine;
    private final ServingMetrics metrics;

    public TextGeneration(NodeEngine engine, ServingMetrics metrics) {
        this.engine = engine;
        this.metrics = metrics;
    }

    /** A running request; {@link #cancel()} when the client goes away. */
    public interface Handle {
        void cancel();
    }

    /** Admits the request (or throws: 503 not ready, 429 overloaded) and starts it. */
    public Handle start(String requestId, GenerationParams params, GenerationListener listener) {
        GenerationParams.Stopping stopping = params.stopping();
        Set<Integer> stopIds = new HashSet<>(stopping.tokenIds());
        if (!stopping.ignoreEos()) {
            stopIds.addAll(engine.model().eosIds());
        }
        List<EngineRequest> requests = new ArrayList<>(params.choices());
        for (GenerationParams.Prompt prompt : params.prompts()) {
            for (int j = 0; j < params.n(); j++) {
                var sampling = params.sampling();
                if (j > 0 && sampling.seed().isPresent()) {
                    sampling = sampling.withSeed(sampling.seed().getAsLong() + j);
                }
                requests.add(new EngineRequest(requestId + "-" + requests.size(), prompt.ids(), sampling,
                        prompt.maxTokens(), stopIds, params.logprobs(),
                        params.constraint() == null ? null : params.constraint().get(), params.promptLogprobs(),
                        Math.min(stopping.minTokens(), prompt.maxTokens())));
            }
        }
        Run run = new Run(params, listener, System.nanoTime());
        List<Consumer<RequestOutput>> listeners = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            listeners.add(run.streamFor(requests.get(i), i));
        }
        engine.submit(requests, listeners);
        return run;
    }

    /** One API request's choices; all callbacks arrive on the engine thread. */
    private final class Run implements ChoiceStream.Owner, Handle {
        private final GenerationParams params;
        private final GenerationListener listener;
        private final long arrivalNanos;
        private final List<ChoiceStream> streams = new ArrayList<>(); // filled before submission, then read-only
        private final Set<Integer> finished = new HashSet<>();
        private volatile boolean over;

        Run(GenerationParams params, GenerationListener listener, long arrivalNanos) {
            this.params = params;
            this.listener = listener;
            this.arrivalNanos = arrivalNanos;
        }

        Consumer<RequestOutput> streamFor(EngineRequest request, int index) {
            // the choice's text continues its prompt's: decode(prompt + ids) minus decode(prompt)
            ChoiceStream stream = new ChoiceStream(index, request.id(),
                    engine.model().tokenizer().newStreamingDecoder(params.skipSpecialTokens(), request.prompt()),
                    params.stopping(),
                    params.logprobs() >= 0, this, arrivalNanos);
            streams.add(stream);
            return out -> {
                stream.accept(out);
                if (out.finished()) {
                    metrics.recordChoice(out.queueNanos(), stream.firstTokenNanos(), System.nanoTime() - arrivalNanos,
                            stream.tokens(), stream.finishReason());
                }
            };
        }

        @Override
        public void delta(ChoiceDelta delta, ChoiceStream stream) {
            if (over) {
                return;
            }
            listener.onDelta(delta);
            if (delta.last() && finished.add(delta.index()) && finished.size() == params.choices()) {
                over = true;
                int completion = streams.stream().mapToInt(ChoiceStream::tokens).sum();
                listener.onComplete(new Usage(params.promptTokens(), completion));
            }
        }

        @Override
        public void failed(String error) {
            if (!over) {
                over = true;
                cancel();
                listener.onError(error);
            }
        }

        @Override
        public void abort(String engineRequestId) {
            engine.abort(engineRequestId);
        }

        @Override
        public void cancel() {
            for (ChoiceStream s : streams) {
                engine.abort(s.engineRequestId());
            }
        }
    }
}
