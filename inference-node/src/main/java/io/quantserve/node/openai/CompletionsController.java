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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
        boolean tokenIds = Boolean.TRUE.equals(request.returnTokenIds());
        boolean continuous = StreamOptions.continuousUsage(request.streamOptions());
        GenerationEvents events = new GenerationEvents(tokenIds || continuous);
        TextGeneration.Handle handle = generation.start(id, params, events);
        boolean logprobs = params.logprobs() >= 0;
        boolean echo = Boolean.TRUE.equals(request.echo());
        Integer promptTop = request.promptLogprobs(); // vLLM's prompt_logprobs, null when not asked
        LogprobBodies logprobBodies = this.logprobBodies.forRequest(request.returnTokensAsTokenIds());
        if (!Boolean.TRUE.equals(request.stream())) {
            GenerationEvents.Collected whole = events.collect(params.choices(), handle);
            List<Choice> choices = new ArrayList<>();
            for (int i = 0; i < params.choices(); i++) {
                GenerationParams.Prompt prompt = params.prompts().get(i / params.n());
                String text = whole.texts().get(i);
                CompletionResponses.Logprobs lp = null;
                if (logprobs) {
                    lp = logprobBodies.legacy(whole.logprobs().get(i), echo ? prompt.text().length() : 0);
                    lp = echo ? logprobBodies.legacyPrompt(prompt.ids(), whole.promptLogprobs().get(i),
                            params.logprobs()).then(lp) : lp;
                }
                choices.add(new Choice(i, echo ? prompt.text() + text : text, lp, whole.finishReasons().get(i),
                        promptTop == null ? null
                                : logprobBodies.prompt(prompt.ids(), whole.promptLogprobs().get(i), promptTop),
                        tokenIds ? whole.tokens().get(i) : null, tokenIds ? ids(prompt.ids()) : null));
            }
            return ResponseEntity.ok(new Completion(id, created, modelName, choices, UsageBody.of(whole.usage())));
        }
        int[] generated = {0};
        int[] offsets = new int[params.choices()]; // text already sent per choice, for the legacy text_offset
        boolean[] started = new boolean[params.choices()];
        events.stream(SseWriter.open(response, json), handle, List.of(), d -> {
            int i = d.index();
            String prefix = "";
            CompletionResponses.Logprobs promptLp = null;
            List<Map<String, CompletionResponses.PromptLogprob>> promptLogprobs = null;
            List<Integer> promptIds = null;
            if (!started[i]) { // the choice's first chunk: echo's prompt, prompt_logprobs and the prompt's ids
                started[i] = true;
                GenerationParams.Prompt prompt = params.prompts().get(i / params.n());
                if (echo) {
                    prefix = prompt.text();
                    promptLp = logprobs ? logprobBodies.legacyPrompt(prompt.ids(), d.promptLogprobs(),
                            params.logprobs()) : null;
                    offsets[i] = prefix.length();
                }
                if (promptTop != null) {
                    promptLogprobs = logprobBodies.prompt(prompt.ids(), d.promptLogprobs(), promptTop);
                }
                promptIds = tokenIds ? ids(prompt.ids()) : null;
            }
            var lp = logprobs ? logprobBodies.legacy(d.logprobs(), offsets[i]) : null;
            offsets[i] += d.text().length();
            generated[0] += d.tokens().length;
            return List.of(new Completion(id, created, modelName,
                    List.of(new Choice(i, prefix + d.text(), promptLp == null ? lp : promptLp.then(lp),
                            d.finishReason(), promptLogprobs, tokenIds ? ids(d.tokens()) : null, promptIds)),
                    continuous ? UsageBody.of(params.promptTokens(), generated[0]) : null));
        }, StreamOptions.includeUsage(request.streamOptions())
                ? usage -> new Completion(id, created, modelName, List.of(), UsageBody.of(usage))
                : null);
        return null; // the response is written
    }

    static List<Integer> ids(int[] tokens) {
        return Arrays.stream(tokens).boxed().toList();
    }
}
