package io.quantserve.node.openai;

import io.quantserve.node.engine.NodeEngine;
import io.quantserve.node.generation.GenerationParams;
import io.quantserve.node.generation.TextGeneration;
import io.quantserve.node.openai.CompletionResponses.Choice;
import io.quantserve.node.openai.CompletionResponses.Completion;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
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
        boolean logprobs = params.logprobs() >= 0;
        if (!Boolean.TRUE.equals(request.stream())) {
            GenerationEvents.Collected whole = events.collect(params.choices(), handle);
            List<Choice> choices = new ArrayList<>();
            for (int i = 0; i < params.choices(); i++) {
                choices.add(new Choice(i, whole.texts().get(i),
                        logprobs ? logprobBodies.legacy(whole.logprobs().get(i), 0) : null,
                        whole.finishReasons().get(i)));
            }
            return ResponseEntity.ok(new Completion(id, created, modelName, choices, UsageBody.of(whole.usage())));
        }
        int[] offsets = new int[params.choices()]; // text already sent per choice, for the legacy text_offset
        events.stream(SseWriter.open(response, json), handle, List.of(), d -> {
            var lp = logprobs ? logprobBodies.legacy(d.logprobs(), offsets[d.index()]) : null;
            offsets[d.index()] += d.text().length();
            return new Completion(id, created, modelName,
                    List.of(new Choice(d.index(), d.text(), lp, d.finishReason())), null);
        }, StreamOptions.includeUsage(request.streamOptions())
                ? usage -> new Completion(id, created, modelName, List.of(), UsageBody.of(usage))
                : null);
        return null; // the response is written
    }
}
