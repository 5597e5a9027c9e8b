package io.quantserve.node.openai;

import io.quantserve.engine.sampling.TokenLogprob;
import io.quantserve.node.engine.NodeEngine;
import io.quantserve.node.generation.GenerationParams;
import io.quantserve.node.generation.TextGeneration;
import io.quantserve.node.openai.CompletionResponses.Choice;
import io.quantserve.node.openai.CompletionResponses.Completion;
import io.quantserve.node.openai.GenerationEvents.Completed;
import io.quantserve.node.openai.GenerationEvents.DeltaEvent;
import io.quantserve.node.openai.GenerationEvents.Failed;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/** {@code POST /v1/completions}: plain-text continuation, whole or streamed (what serving benchmarks call). */
@RestController
class CompletionsController {
    private final TextGeneration generation;
    private final GenerationRequests requests;
    private final LogprobBodies logprobBodies;
    private final String modelName;
    private final JsonMapper json;

    CompletionsController(TextGeneration generation, GenerationRequests requests, LogprobBodies logprobBodies,
            NodeEngine engine, JsonMapper json) {
        this.generation = generation;
        this.requests = requests;
        this.logprobBodies = logprobBodies;
        this.modelName = engine.model().name();
        this.json = json;
    }

    @PostMapping("/v1/completions")
    ResponseEntity<?> create(@RequestBody CompletionRequest request, HttpServletResponse response)
            throws InterruptedException, IOException {
        GenerationParams params = requests.completion(request);
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        GenerationEvents events = new GenerationEvents();
        TextGeneration.Handle handle = generation.start(id, params, events);
        if (!Boolean.TRUE.equals(request.stream())) {
            return ResponseEntity.ok(collect(id, created, params, events, handle));
        }
        boolean includeUsage = request.streamOptions() != null
                && Boolean.TRUE.equals(request.streamOptions().includeUsage());
        // written here, on this request's (virtual) thread, flushing every event: the servlet stream, not a
        // StreamingResponseBody, whose stream Spring does not let us flush
        response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        stream(new SseWriter(response.getOutputStream(), json), id, created, params, events, handle, includeUsage);
        return null; // the response is written
    }

    private Completion collect(String id, long created, GenerationParams params, GenerationEvents events,
            TextGeneration.Handle handle) throws InterruptedException {
        List<StringBuilder> texts = new ArrayList<>();
        List<List<TokenLogprob>> logprobs = new ArrayList<>();
        String[] reasons = new String[params.n()];
        for (int i = 0; i < params.n(); i++) {
            texts.add(new StringBuilder());
            logprobs.add(new ArrayList<>());
        }
        try {
            while (true) {
                switch (events.take()) {
                    case DeltaEvent(var d) -> {
                        texts.get(d.index()).append(d.text());
                        logprobs.get(d.index()).addAll(d.logprobs());
                        reasons[d.index()] = d.finishReason();
                    }
                    case Completed(var usage) -> {
                        List<Choice> choices = new ArrayList<>();
                        for (int i = 0; i < params.n(); i++) {
                            var lp = params.logprobs() >= 0 ? logprobBodies.legacy(logprobs.get(i), 0) : null;
                            choices.add(new Choice(i, texts.get(i).toString(), lp, reasons[i]));
                        }
                        return new Completion(id, created, modelName, choices, UsageBody.of(usage));
                    }
                    case Failed(var message) -> throw OpenAiException.serverError(message);
                }
            }
        } catch (InterruptedException e) {
            handle.cancel();
            throw e;
        }
    }

    private void stream(SseWriter sse, String id, long created, GenerationParams params, GenerationEvents events,
            TextGeneration.Handle handle, boolean includeUsage) {
        int[] offsets = new int[params.n()]; // text already sent per choice, for the legacy text_offset
        try {
            while (true) {
                switch (events.take()) {
                    case DeltaEvent(var d) -> {
                        if (d.text().isEmpty() && !d.last() && d.logprobs().isEmpty()) {
                            continue;
                        }
                        var lp = params.logprobs() >= 0 ? logprobBodies.legacy(d.logprobs(), offsets[d.index()]) : null;
                        offsets[d.index()] += d.text().length();
                        sse.event(new Completion(id, created, modelName,
                                List.of(new Choice(d.index(), d.text(), lp, d.finishReason())), null));
                    }
                    case Completed(var usage) -> {
                        if (includeUsage) {
                            sse.event(new Completion(id, created, modelName, List.of(), UsageBody.of(usage)));
                        }
                        sse.done();
                        return;
                    }
                    case Failed(var message) -> {
                        sse.event(ErrorResponse.of(message, "server_error", null, null));
                        sse.done();
                        return;
                    }
                }
            }
        } catch (IOException e) {
            handle.cancel(); // the client went away: free its sequences now; there is no one to tell
        } catch (InterruptedException e) {
            handle.cancel();
            Thread.currentThread().interrupt();
        }
    }
}
