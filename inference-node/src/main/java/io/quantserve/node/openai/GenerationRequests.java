package io.quantserve.node.openai;

import io.quantserve.engine.chat.ChatMessage;
import io.quantserve.engine.generate.Prompts;
import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.engine.sampling.AllowedTokens;
import io.quantserve.engine.sampling.BadWords;
import io.quantserve.engine.sampling.SamplingOverrides;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.serve.EngineRequest;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.node.engine.NodeEngine;
import io.quantserve.node.engine.ServedModel;
import io.quantserve.node.generation.GenerationParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks an API request against the served model and turns it into {@link GenerationParams}: prompt ids (chat
 * template or plain text), sampling settings over the model's generation_config.json, token limits, stop strings,
 * log-probabilities and structured output. Every refusal names the field.
 */
@Component
class GenerationRequests {
    private static final int MAX_N = 64;
    /** Choices of one request in all (prompts x n). */
    private static final int MAX_CHOICES = 256;

    /** Template variables the request's own fields set. */
    private static final Set<String> RESERVED_TEMPLATE_VARIABLES = Set.of("messages", "tools", "add_generation_prompt",
            "continue_final_message", "bos_token", "eos_token");
    private static final JsonMapper TEMPLATE_VALUES = JsonMapper.builder().build();

    private final NodeEngine engine;
    private final StructuredOutputs structuredOutputs;

    GenerationRequests(NodeEngine engine, StructuredOutputs structuredOutputs) {
        this.engine = engine;
        this.structuredOutputs = structuredOutputs;
    }

    /** A chat request with its tool plan ({@link ToolCalling}): the tools go to the template, a call's JSON is guided. */
    GenerationParams chat(ChatCompletionRequest request, ToolCalling.Plan tools) {
        checkCommon(request);
        int[] prompt = chatPrompt(request.messages(), ending(request.addGenerationPrompt(),
                request.continueFinalMessage()), tools.templateTools(), request.chatTemplateKwargs());
        if (Boolean.TRUE.equals(request.addSpecialTokens())) { // vLLM's: BOS before the rendered conversation too
            prompt = withBos(prompt);
        }
        int logprobs = -1;
        if (Boolean.TRUE.equals(request.logprobs())) {
            logprobs = request.topLogprobs() == null ? 0 : request.topLogprobs();
            checkLogprobs(logprobs, "top_logprobs");
        } else if (request.topLogprobs() != null && request.topLogprobs() > 0) {
            throw OpenAiException.invalid("top_logprobs", "top_logprobs needs logprobs set to true");
        }
        Integer maxTokens = request.maxCompletionTokens() != null ? request.maxCompletionTokens() : request.maxTokens();
        String maxParam = request.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
        if (request.promptLogprobs() != null && Boolean.TRUE.equals(request.stream())) {
            throw OpenAiException.invalid("prompt_logprobs", "prompt_logprobs is not supported when streaming a chat"
                    + " completion");
        }
        GenerationParams params = params(request, List.of(prompt), null, "messages", maxTokens, maxParam, 1, logprobs,
                promptLogprobs(request), tools.constraint());
        return tools.keepsSpecialTokens() ? params.withSkipSpecialTokens(false) : params;
    }

    /**
     * vLLM's add_generation_prompt (default true) and continue_final_message (default false) as one choice: a new
     * assistant turn, the conversation as it stands, or its last message continued.
     */
    static Prompts.Ending ending(Boolean addGenerationPrompt, Boolean continueFinalMessage) {
        boolean add = addGenerationPrompt == null || addGenerationPrompt;
        boolean continues = Boolean.TRUE.equals(continueFinalMessage);
        if (add && continues) {
            throw OpenAiException.invalid("continue_final_message", "continue_final_message and add_generation_prompt"
                    + " cannot both be true (set add_generation_prompt to false to continue the last message)");
        }
        return continues ? Prompts.Ending.CONTINUE_LAST_MESSAGE
                : add ? Prompts.Ending.GENERATION_PROMPT : Prompts.Ending.LAST_MESSAGE;
    }

    /**
     * A conversation through the model's chat template, ending as asked, as ids; {@code tools} (null: none) are the
     * function tools the template may describe to the model, {@code kwargs} (null: none) vLLM's
     * {@code chat_template_kwargs}: more variables for the template, e.g. {@code {"enable_thinking": false}}.
     */
    int[] chatPrompt(List<ChatCompletionRequest.Message> chat, Prompts.Ending ending, List<Map<String, Object>> tools,
            JsonNode kwargs) {
        if (chat == null || chat.isEmpty()) {
            throw OpenAiException.invalid("messages", "messages must be a non-empty list");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < chat.size(); i++) {
            ChatCompletionRequest.Message m = chat.get(i);
            if (m == null || m.role() == null || m.role().isBlank()) {
                throw OpenAiException.invalid("messages[" + i + "].role", "every message needs a role");
            }
            String at = "messages[" + i + "]";
            messages.add(new ChatMessage(m.role(), text(m.content(), at + ".content"),
                    ToolCalling.templateToolCalls(m.toolCalls(), at + ".tool_calls"), m.toolCallId()));
        }
        ServedModel model = engine.model();
        Map<String, Object> variables = templateVariables(kwargs);
        variables.put("tools", tools);
        try {
            return Prompts.chat(model.tokenizer(), model.chatTemplate(), messages, ending, variables);
        } catch (RuntimeException e) {
            throw OpenAiException.invalid("messages", "the chat template failed on these messages: " + e.getMessage());
        }
    }

    /** The variables the request itself sets are refused by name: the conversation and its fields decide those. */
    private static Map<String, Object> templateVariables(JsonNode kwargs) {
        Map<String, Object> variables = new HashMap<>();
        if (kwargs == null || kwargs.isNull()) {
            return variables;
        }
        if (!kwargs.isObject()) {
            throw OpenAiException.invalid("chat_template_kwargs", "chat_template_kwargs must be an object of template"
                    + " variables, e.g. {\"enable_thinking\": false}");
        }
        for (var field : kwargs.properties()) {
            if (RESERVED_TEMPLATE_VARIABLES.contains(field.getKey())) {
                throw OpenAiException.invalid("chat_template_kwargs." + field.getKey(), field.getKey()
                        + " is set by the request itself (messages, tools, add_generation_prompt), not by"
                        + " chat_template_kwargs");
            }
            variables.put(field.getKey(), TEMPLATE_VALUES.convertValue(field.getValue(), Object.class));
        }
        return variables;
    }

    GenerationParams completion(CompletionRequest request) {
        checkCommon(request);
        if (request.suffix() != null && !request.suffix().isEmpty()) {
            throw OpenAiException.invalid("suffix", "suffix is not supported by this node");
        }
        boolean echo = Boolean.TRUE.equals(request.echo());
        List<String> texts = echo ? new ArrayList<>() : null; // what echo shows: kept only when asked
        List<int[]> prompts = prompts(request.prompt(), texts, !Boolean.FALSE.equals(request.addSpecialTokens()));
        int logprobs = request.logprobs() == null ? -1 : request.logprobs();
        if (logprobs != -1) {
            checkLogprobs(logprobs, "logprobs");
        }
        // echo with logprobs: the prompt's tokens are scored too (vLLM); max_tokens 0: only that
        return params(request, prompts, texts, "prompt", request.maxTokens(), "max_tokens", echo ? 0 : 1, logprobs,
                Math.max(echo ? logprobs : -1, promptLogprobs(request)), null);
    }

    /** A request naming another model than this node's: 404. No name is this node's model. */
    void checkModel(String model) {
        String served = engine.model().name();
        if (model != null && !model.equals(served)) {
            throw new OpenAiException(HttpStatus.NOT_FOUND, "invalid_request_error", "model", "model_not_found",
                    "The model `" + model + "` does not exist; this node serves `" + served + "`.");
        }
    }

    private void checkCommon(SamplingFields request) {
        checkModel(request.model());
        if (request.streamOptions() != null && !Boolean.TRUE.equals(request.stream())) {
            throw OpenAiException.invalid("stream_options", "stream_options is only allowed with stream set to true");
        }
    }

    /** vLLM fields that ask for what this node does not do: refused by name rather than dropped. */
    private static void refuseUnsupported(SamplingFields request) {
        if (Boolean.TRUE.equals(request.useBeamSearch())) {
            throw OpenAiException.invalid("use_beam_search", "beam search is not supported by this node");
        }
        int n = request.n() == null ? 1 : request.n();
        if (request.bestOf() != null && request.bestOf() != n) {
            throw OpenAiException.invalid("best_of", "best_of is not supported (only best_of = n, " + n + ")");
        }
        if (request.priority() != null && request.priority() != 0) {
            throw OpenAiException.invalid("priority", "priority scheduling is not enabled on this node");
        }
        if (request.logitsProcessors() != null && !request.logitsProcessors().isNull()
                && !request.logitsProcessors().isEmpty()) {
            throw OpenAiException.invalid("logits_processors", "logits_processors are not supported by this node");
        }
    }

    /**
     * vLLM's truncate_prompt_tokens: each prompt's last k tokens (-1: as many as the context holds); echo then shows
     * what was kept.
     */
    private List<int[]> truncated(List<int[]> prompts, List<String> texts, Integer truncate) {
        if (truncate == null) {
            return prompts;
        }
        int limit = engine.model().maxModelLen();
        int k = truncate == -1 ? limit : truncate;
        if (k < 1 || k > limit) {
            throw OpenAiException.invalid("truncate_prompt_tokens", "truncate_prompt_tokens must be between 1 and the"
                    + " context length " + limit + ", or -1 for the context length; got " + truncate);
        }
        List<int[]> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            int[] ids = prompts.get(i);
            if (ids.length > k) {
                ids = Arrays.copyOfRange(ids, ids.length - k, ids.length);
                if (texts != null) {
                    texts.set(i, engine.model().tokenizer().decode(ids, true));
                }
            }
            out.add(ids);
        }
        return out;
    }

    private int[] withBos(int[] ids) {
        var bos = engine.model().tokenizer().bosId();
        if (bos.isEmpty()) {
            return ids;
        }
        int[] out = new int[ids.length + 1];
        out[0] = bos.getAsInt();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /** vLLM's prompt_logprobs: alternatives at each prompt token, -1 when not asked. */
    private static int promptLogprobs(SamplingFields request) {
        if (request.promptLogprobs() == null) {
            return -1;
        }
        checkLogprobs(request.promptLogprobs(), "prompt_logprobs");
        return request.promptLogprobs();
    }

    private static void checkLogprobs(int k, String param) {
        if (k < 0 || k > EngineRequest.MAX_LOGPROBS) {
            throw OpenAiException.invalid(param, param + " must be between 0 and " + EngineRequest.MAX_LOGPROBS
                    + ", got " + k);
        }
    }

    /**
     * The checked request; {@code texts} are the prompts as echo shows them (null without echo), {@code leastMax} the
     * least max tokens accepted (0 with echo: the prompt only).
     */
    private GenerationParams params(SamplingFields request, List<int[]> prompts, List<String> texts,
            String promptParam, Integer maxTokens, String maxParam, int leastMax, int logprobs, int promptLogprobs,
            Supplier<TokenConstraint> toolConstraint) {
        refuseUnsupported(request);
        prompts = truncated(prompts, texts, request.truncatePromptTokens());
        List<GenerationParams.Prompt> checked = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            String which = prompts.size() == 1 ? "" : "prompt " + i + ": ";
            checked.add(new GenerationParams.Prompt(prompts.get(i), texts == null ? null : texts.get(i),
                    maxTokens(prompts.get(i), promptParam, maxTokens, maxParam, leastMax, which)));
        }
        int n = request.n() == null ? 1 : request.n();
        if (n < 1 || n > MAX_N) {
            throw OpenAiException.invalid("n", "n must be between 1 and " + MAX_N + ", got " + n);
        }
        if ((long) n * prompts.size() > MAX_CHOICES) {
            throw OpenAiException.invalid(promptParam, prompts.size() + " prompts x n = " + n + " asks for more than "
                    + MAX_CHOICES + " choices in one request");
        }
        checkSamplingRanges(request);
        ServedModel model = engine.model();
        SamplingParams sampling;
        try {
            sampling = new SamplingOverrides(request.temperature(), request.topP(), request.topK(), request.minP(),
                    request.repetitionPenalty(), request.presencePenalty(), request.frequencyPenalty(), request.seed())
                    .over(model.generationConfig())
                    .withLogitBias(logitBias(request.logitBias(), model.tokenizer().vocabSize()));
        } catch (IllegalArgumentException e) {
            throw OpenAiException.invalid(null, e.getMessage());
        }
        Supplier<TokenConstraint> shape = toolConstraint != null ? toolConstraint
                : structuredOutputs.constraint(request);
        Supplier<TokenConstraint> constraint = withTokenMasks(request, shape, model.tokenizer());
        int minTokens = request.minTokens() == null ? 0 : request.minTokens();
        if (minTokens < 0 || (maxTokens != null && minTokens > maxTokens)) {
            throw OpenAiException.invalid("min_tokens", "min_tokens must be between 0 and " + maxParam
                    + (maxTokens != null ? " (" + maxTokens + ")" : "") + ", got " + minTokens);
        }
        var stopping = new GenerationParams.Stopping(stops(request.stop()),
                Boolean.TRUE.equals(request.includeStopStrInOutput()), Boolean.TRUE.equals(request.ignoreEos()),
                stopTokenIds(request.stopTokenIds(), model.tokenizer().vocabSize()), minTokens);
        return new GenerationParams(checked, sampling, stopping, logprobs, promptLogprobs, constraint, n,
                !Boolean.FALSE.equals(request.skipSpecialTokens()), shape != null);
    }

    /**
     * The most tokens a prompt's choices may generate: as asked, else the room left in the context (vLLM); refused
     * when the prompt and that do not fit the context or the KV cache. {@code which} names the prompt of a batch.
     */
    private int maxTokens(int[] prompt, String promptParam, Integer maxTokens, String maxParam, int leastMax,
            String which) {
        ServedModel model = engine.model();
        int limit = model.maxModelLen();
        if (prompt.length == 0) {
            throw OpenAiException.invalid(promptParam, which + "the prompt is empty");
        }
        if (prompt.length >= limit) {
            throw OpenAiException.invalid(promptParam, which + "This model's maximum context length is " + limit
                    + " tokens; the prompt has " + prompt.length + " tokens, which leaves no room for a completion.");
        }
        int max;
        if (maxTokens == null) {
            max = limit - prompt.length;
            Integer configured = model.generationConfig().maxNewTokens();
            if (configured != null && configured > 0) {
                max = Math.min(max, configured);
            }
        } else {
            if (maxTokens < leastMax) {
                throw OpenAiException.invalid(maxParam, maxParam + " must be at least " + leastMax
                        + (leastMax == 1 ? " (0 only with echo)" : "") + ", got " + maxTokens);
            }
            if ((long) prompt.length + maxTokens > limit) {
                throw OpenAiException.invalid(maxParam, which + "This model's maximum context length is " + limit
                        + " tokens. However, you requested " + ((long) prompt.length + maxTokens) + " tokens ("
                        + prompt.length + " in the prompt, " + maxTokens + " in the completion). Please reduce the"
                        + " prompt or " + maxParam + ".");
            }
            max = maxTokens;
        }
        int blockSize = engine.kvBlockSize();
        long blocksNeeded = (prompt.length + (long) max + blockSize - 1) / blockSize;
        if (blocksNeeded > engine.kvCacheBlocks()) {
            throw OpenAiException.invalid(maxParam, which + "prompt + " + maxParam + " need " + (prompt.length + max)
                    + " tokens of KV cache; this node's cache holds " + (long) engine.kvCacheBlocks() * blockSize
                    + " (quantserve.node.engine.kv-cache-memory)");
        }
        return max;
    }

    /** The sampling fields' ranges (vLLM's), each refusal naming its field; the model's own defaults are checked after. */
    private static void checkSamplingRanges(SamplingFields r) {
        if (r.temperature() != null && !(r.temperature() >= 0 && r.temperature() < Float.POSITIVE_INFINITY)) {
            throw OpenAiException.invalid("temperature", "temperature must be a finite number >= 0, got " + r.temperature());
        }
        if (r.topP() != null && !(r.topP() > 0 && r.topP() <= 1)) {
            throw OpenAiException.invalid("top_p", "top_p must be in (0, 1], got " + r.topP());
        }
        if (r.topK() != null && r.topK() < -1) {
            throw OpenAiException.invalid("top_k", "top_k must be -1 or 0 (disabled) or at least 1, got " + r.topK());
        }
        if (r.minP() != null && !(r.minP() >= 0 && r.minP() <= 1)) {
            throw OpenAiException.invalid("min_p", "min_p must be in [0, 1], got " + r.minP());
        }
        if (r.presencePenalty() != null && !(r.presencePenalty() >= -2 && r.presencePenalty() <= 2)) {
            throw OpenAiException.invalid("presence_penalty", "presence_penalty must be in [-2, 2], got "
                    + r.presencePenalty());
        }
        if (r.frequencyPenalty() != null && !(r.frequencyPenalty() >= -2 && r.frequencyPenalty() <= 2)) {
            throw OpenAiException.invalid("frequency_penalty", "frequency_penalty must be in [-2, 2], got "
                    + r.frequencyPenalty());
        }
        if (r.repetitionPenalty() != null
                && !(r.repetitionPenalty() > 0 && r.repetitionPenalty() < Float.POSITIVE_INFINITY)) {
            throw OpenAiException.invalid("repetition_penalty", "repetition_penalty must be a finite number > 0, got "
                    + r.repetitionPenalty());
        }
    }

    private static Set<Integer> stopTokenIds(List<Integer> ids, int vocab) {
        if (ids == null) {
            return Set.of();
        }
        for (Integer id : ids) {
            if (id == null || id < 0 || id >= vocab) {
                throw OpenAiException.invalid("stop_token_ids", "stop_token_ids must be token ids in [0, " + vocab
                        + "), got " + id);
            }
        }
        return Set.copyOf(ids);
    }

    /**
     * vLLM's allowed_token_ids and bad_words, masked beside the structured output (a fresh bad-words mask per
     * sequence: it follows the tokens drawn).
     */
    private static Supplier<TokenConstraint> withTokenMasks(SamplingFields request,
            Supplier<TokenConstraint> structured, Tokenizer tokenizer) {
        TokenConstraint allowed = null;
        if (request.allowedTokenIds() != null) {
            if (request.allowedTokenIds().contains(null)) {
                throw OpenAiException.invalid("allowed_token_ids", "allowed_token_ids must be token ids");
            }
            try {
                allowed = new AllowedTokens(request.allowedTokenIds(), tokenizer.vocabSize());
            } catch (IllegalArgumentException e) {
                throw OpenAiException.invalid("allowed_token_ids", e.getMessage());
            }
        }
        List<int[]> badWords;
        try {
            badWords = request.badWords() == null ? List.of() : BadWords.tokenize(request.badWords(), tokenizer);
        } catch (IllegalArgumentException e) {
            throw OpenAiException.invalid("bad_words", e.getMessage());
        }
        if (allowed == null && badWords.isEmpty()) {
            return structured;
        }
        TokenConstraint allowedIds = allowed;
        return () -> TokenConstraint.all(Arrays.asList(allowedIds, badWords.isEmpty() ? null
                : new BadWords(badWords), structured == null ? null : structured.get()));
    }

    /** OpenAI's logit_bias: token ids (as JSON object keys) to biases in [-100, 100]. */
    private static Map<Integer, Float> logitBias(JsonNode bias, int vocab) {
        if (bias == null || bias.isNull()) {
            return Map.of();
        }
        if (!bias.isObject()) {
            throw OpenAiException.invalid("logit_bias", "logit_bias must be an object mapping token ids to biases");
        }
        Map<Integer, Float> out = new HashMap<>();
        for (var e : bias.properties()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey().strip());
            } catch (NumberFormatException x) {
                throw OpenAiException.invalid("logit_bias", "logit_bias keys must be token ids, got \"" + e.getKey() + "\"");
            }
            if (id < 0 || id >= vocab) {
                throw OpenAiException.invalid("logit_bias", "logit_bias token id " + id + " is outside the vocabulary"
                        + " [0, " + vocab + ")");
            }
            JsonNode v = e.getValue();
            if (!v.isNumber() || !(v.asDouble() >= -100 && v.asDouble() <= 100)) {
                throw OpenAiException.invalid("logit_bias", "logit_bias values must be numbers in [-100, 100], got "
                        + v + " for token " + id);
            }
            out.put(id, v.floatValue());
        }
        return out;
    }

    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isString()) {
            return List.of(stop.asString());
        }
        if (stop.isArray()) {
            List<String> out = new ArrayList<>();
            for (JsonNode s : stop) {
                if (!s.isString()) {
                    throw OpenAiException.invalid("stop", "stop must be a string or a list of strings");
                }
                out.add(s.asString());
            }
            return out;
        }
        throw OpenAiException.invalid("stop", "stop must be a string or a list of strings");
    }

    /** A message's content: a string, or a list of parts whose text parts are joined. */
    private static String text(JsonNode content, String param) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.asString();
        }
        if (content.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asString(null)) || !part.path("text").isString()) {
                    throw OpenAiException.invalid(param, "only text content parts are supported, got "
                            + part.path("type").asString("a part without a type"));
                }
                parts.add(part.get("text").asString());
            }
            return String.join("\n", parts);
        }
        throw OpenAiException.invalid(param, "content must be a string or a list of content parts");
    }

    /**
     * A completion's prompts: one text or one list of token ids, or a list of several of either (a batch: each prompt
     * gets its own n choices).
     */
    private List<int[]> prompts(JsonNode prompt, List<String> texts, boolean bos) {
        if (prompt == null || prompt.isNull()) {
            throw OpenAiException.invalid("prompt", "prompt is required");
        }
        if (prompt.isArray() && !prompt.isEmpty() && (prompt.get(0).isString() || prompt.get(0).isArray())) {
            List<int[]> out = new ArrayList<>(prompt.size());
            for (int i = 0; i < prompt.size(); i++) {
                JsonNode one = prompt.get(i);
                if (!one.isString() && !one.isArray()) {
                    throw OpenAiException.invalid("prompt", "a list of prompts holds texts or lists of token ids;"
                            + " element " + i + " is " + one);
                }
                out.add(prompt(one, texts, bos));
            }
            return out;
        }
        return List.of(prompt(prompt, texts, bos));
    }

    /**
     * One prompt: text (after BOS when {@code bos} and the tokenizer adds one) or token ids; its text (as sent, or the
     * ids decoded) joins {@code texts} unless null.
     */
    private int[] prompt(JsonNode prompt, List<String> texts, boolean bos) {
        if (prompt.isString()) {
            if (texts != null) {
                texts.add(prompt.asString());
            }
            Tokenizer tokenizer = engine.model().tokenizer();
            return bos ? Prompts.text(tokenizer, prompt.asString()) : tokenizer.encode(prompt.asString());
        }
        if (prompt.isArray()) {
            int vocab = engine.model().tokenizer().vocabSize();
            int[] ids = new int[prompt.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode id = prompt.get(i);
                if (!id.isIntegralNumber() || id.asInt() < 0 || id.asInt() >= vocab) {
                    throw OpenAiException.invalid("prompt", "prompt must be a string or a list of token ids in [0, "
                            + vocab + "); element " + i + " is " + id);
                }
                ids[i] = id.asInt();
            }
            if (texts != null) {
                texts.add(engine.model().tokenizer().decode(ids, true));
            }
            return ids;
        }
        throw OpenAiException.invalid("prompt", "prompt must be a string, a list of token ids, or a list of these");
    }
}
