package io.quantserve.node.openai;

import io.quantserve.engine.sampling.TokenLogprob;
import io.quantserve.node.engine.NodeEngine;
import io.quantserve.node.generation.GenerationParams;
import io.quantserve.node.generation.TextGeneration;
import io.quantserve.node.openai.ChatCompletionResponses.AssistantMessage;
import io.quantserve.node.openai.ChatCompletionResponses.ChatCompletion;
import io.quantserve.node.openai.ChatCompletionResponses.ChatCompletionChunk;
import io.quantserve.node.openai.ChatCompletionResponses.Choice;
import io.quantserve.node.openai.ChatCompletionResponses.ChunkChoice;
import io.quantserve.node.openai.ChatCompletionResponses.Delta;
import io.quantserve.node.openai.ChatCompletionResponses.Logprobs;
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

/** {@code POST /v1/chat/completions}: the conversation through the model's chat template, whole or streamed. */
@RestController
class ChatCompletionsController {
    private final TextGeneration generation;
    private final GenerationRequests requests;
    private final LogprobBodies logprobBodies;
    private final String modelName;
    private final JsonMapper json;

    ChatCompletionsController(TextGeneration generation, GenerationRequests requests, LogprobBodies logprobBodies,
            NodeEngine engine, JsonMapper json) {
        this.generation = generation;
        this.requests = requests;
        this.logprobBodies = logprobBodies;
        this.modelName = engine.model().name();
        this.json = json;
    }

    @PostMapping("/v1/chat/completions")
    ResponseEntity<?> create(@RequestBody ChatCompletionRequest request, HttpServletResponse response)
            throws InterruptedException, IOException {
        GenerationParams params = requests.chat(request);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        GenerationEvents events = new GenerationEvents();
        TextGeneration.Handle handle = generation.start(id, params, events);
        if (!Boolean.TRUE.equals(request.stream())) {
            GenerationEvents.Collected whole = events.collect(params.choices(), handle);
            List<Choice> choices = new ArrayList<>();
            for (int i = 0; i < params.choices(); i++) {
                choices.add(new Choice(i, AssistantMessage.of(whole.texts().get(i)),
                        logprobs(params, whole.logprobs().get(i)), whole.finishReasons().get(i)));
            }
            return ResponseEntity.ok(new ChatCompletion(id, created, modelName, choices, UsageBody.of(whole.usage())));
        }
        List<ChatCompletionChunk> roles = new ArrayList<>(); // the first delta of each choice carries the role
        for (int i = 0; i < params.choices(); i++) {
            roles.add(chunk(id, created, new ChunkChoice(i, new Delta("assistant", ""), null, null)));
        }
        events.stream(SseWriter.open(response, json), handle, roles,
                d -> chunk(id, created, new ChunkChoice(d.index(), new Delta(null, d.text()),
                        logprobs(params, d.logprobs()), d.finishReason())),
                StreamOptions.includeUsage(request.streamOptions())
                        ? usage -> new ChatCompletionChunk(id, created, modelName, List.of(), UsageBody.of(usage))
                        : null);
        return null; // the response is written
    }

    private Logprobs logprobs(GenerationParams params, List<TokenLogprob> logprobs) {
        return params.logprobs() >= 0 ? new Logprobs(logprobBodies.chat(logprobs), null) : null;
    }

    private ChatCompletionChunk chunk(String id, long created, ChunkChoice choice) {
        return new ChatCompletionChunk(id, created, modelName, List.of(choice), null);
    }
}
