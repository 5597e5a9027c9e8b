package io.quantserve.node.openai;

import io.quantserve.engine.sampling.TokenLogprob;
import io.quantserve.node.config.NodeProperties;
import io.quantserve.node.engine.NodeEngine;
import io.quantserve.node.generation.ChoiceDelta;
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

/**
 * {@code POST /v1/chat/completions}: the conversation through the model's chat template, whole or streamed; with
 * function tools the reply may be tool calls ({@link ToolCalling}).
 */
@RestController
class ChatCompletionsController {
    private final TextGeneration generation;
    private final GenerationRequests requests;
    private final ToolCalling toolCalling;
    private final LogprobBodies logprobBodies;
    private final String modelName;
    private final JsonMapper json;
    private final ReasoningParser reasoningParser; // null: replies are content as they come

    ChatCompletionsController(TextGeneration generation, GenerationRequests requests, ToolCalling toolCalling,
            LogprobBodies logprobBodies, NodeEngine engine, JsonMapper json, NodeProperties properties) {
        this.generation = generation;
        this.requests = requests;
        this.toolCalling = toolCalling;
        this.logprobBodies = logprobBodies;
        this.modelName = engine.model().name();
        this.json = json;
        this.reasoningParser = ReasoningParser.named(properties.reasoningParser());
    }

    @PostMapping("/v1/chat/completions")
    ResponseEntity<?> create(@RequestBody ChatCompletionRequest request, HttpServletResponse response)
            throws InterruptedException, IOException {
        ToolCalling.Plan tools = toolCalling.plan(request);
        GenerationParams params = requests.chat(request, tools);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        boolean tokenIds = Boolean.TRUE.equals(request.returnTokenIds());
        boolean continuous = StreamOptions.continuousUsage(request.streamOptions());
        GenerationEvents events = new GenerationEvents(tokenIds || continuous);
        TextGeneration.Handle handle = generation.start(id, params, events);
        ReplyReader replies = new ReplyReader(reasoningParser, tools, params);
        LogprobBodies logprobBodies = this.logprobBodies.forRequest(request.returnTokensAsTokenIds());
        List<Integer> promptIds = tokenIds ? CompletionsController.ids(params.prompts().getFirst().ids()) : null;
        if (!Boolean.TRUE.equals(request.stream())) {
            GenerationEvents.Collected whole = events.collect(params.choices(), handle);
            List<Choice> choices = new ArrayList<>();
            for (int i = 0; i < params.choices(); i++) {
                ReplyReader.Whole reply = replies.whole(whole.texts().get(i));
                choices.add(new Choice(i, AssistantMessage.of(reply.reply(), reply.reasoning()),
                        logprobs(params, logprobBodies, whole.logprobs().get(i)),
                        ToolCalling.finishReason(tools, reply.reply(), whole.finishReasons().get(i)),
                        tokenIds ? whole.tokens().get(i) : null));
            }
            return ResponseEntity.ok(new ChatCompletion(id, created, modelName, choices, UsageBody.of(whole.usage()),
                    request.promptLogprobs() == null ? null : logprobBodies.prompt(params.prompts().getFirst().ids(),
                            whole.promptLogprobs().getFirst(), request.promptLogprobs()), promptIds));
        }
        List<ChatCompletionChunk> roles = new ArrayList<>(); // the first delta of each choice carries the role
        List<ReplyReader.Stream> streams = new ArrayList<>();
        for (int i = 0; i < params.choices(); i++) {
            roles.add(chunk(id, created, new ChunkChoice(i, new Delta("assistant", "", null), null, null))
                    .withPromptTokenIds(promptIds));
            streams.add(replies.stream());
        }
        int[] generated = {0};
        events.stream(SseWriter.open(response, json), handle, roles, d -> {
                    List<ChatCompletionChunk> chunks = chunks(id, created, d, streams.get(d.index()).next(d),
                            logprobs(params, logprobBodies, d.logprobs()),
                            tokenIds ? CompletionsController.ids(d.tokens()) : null);
                    generated[0] += d.tokens().length;
                    if (!continuous) {
                        return chunks;
                    }
                    UsageBody sofar = UsageBody.of(params.promptTokens(), generated[0]);
                    return chunks.stream().map(c -> c.withUsage(sofar)).toList();
                },
                StreamOptions.includeUsage(request.streamOptions())
                        ? usage -> new ChatCompletionChunk(id, created, modelName, List.of(), UsageBody.of(usage))
                        : null);
        return null; // the response is written
    }

    /**
     * A delta's chunks: one per delta it became, its log-probabilities and token ids on the first and the finish
     * reason on the last; one chunk with an empty delta when it became none but ends the choice or carries
     * log-probabilities or token ids.
     */
    private List<ChatCompletionChunk> chunks(String id, long created, ChoiceDelta d, ToolCallStream.Out out,
            Logprobs logprobs, List<Integer> tokenIds) {
        List<Delta> deltas = out.deltas();
        if (deltas.isEmpty() && (d.last() || !d.logprobs().isEmpty() || (tokenIds != null && !tokenIds.isEmpty()))) {
            deltas = List.of(new Delta(null, null, null));
        }
        List<ChatCompletionChunk> chunks = new ArrayList<>(deltas.size());
        for (int i = 0; i < deltas.size(); i++) {
            chunks.add(chunk(id, created, new ChunkChoice(d.index(), deltas.get(i), i == 0 ? logprobs : null,
                    i == deltas.size() - 1 ? out.finishReason() : null, i == 0 ? tokenIds : null)));
        }
        return chunks;
    }

    private static Logprobs logprobs(GenerationParams params, LogprobBodies bodies, List<TokenLogprob> logprobs) {
        return params.logprobs() >= 0 ? new Logprobs(bodies.chat(logprobs), null) : null;
    }

    private ChatCompletionChunk chunk(String id, long created, ChunkChoice choice) {
        return new ChatCompletionChunk(id, created, modelName, List.of(choice), null);
    }
}
