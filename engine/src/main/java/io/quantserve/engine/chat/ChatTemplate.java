package io.quantserve.engine.chat;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a conversation into the prompt text a model was trained on, by rendering the model's
 * Hugging Face Jinja chat template the way {@code tokenizer.apply_chat_template(..., tokenize=False)}
 * does. Immutable and thread-safe.
 *
 * <p>Templates get {@code messages} (list of {role, content} dicts), {@code bos_token},
 * {@code eos_token} (left undefined when the model has none, as in HF),
 * {@code add_generation_prompt}, {@code tools = none}, and any extra variables passed to
 * {@link #render(List, boolean, Map)}.
 */
public final class ChatTemplate {

    /**
     * Used when a model ships no template: one {@code "role: content"} line per message, and
     * {@code "assistant:"} to cue a reply. Not what any model was trained on, which is why
     * {@link #isFallback()} exists: callers should warn.
     */
    public static final String FALLBACK_TEMPLATE =
            "{% for message in messages %}{{ message['role'] + ': ' + message['content'] + '\\n' }}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}";

    private final String source;
    private final String parsed; // the source with the Jinja2 syntax jinjava reads otherwise rewritten (Jinja2Syntax)
    private final String bosToken;
    private final String eosToken;
    private final boolean fallback;
    private final Clock clock;

    private ChatTemplate(String source, String bosToken, String eosToken, boolean fallback, Clock clock) {
        this.source = Objects.requireNonNull(source, "template");
        this.parsed = Jinja2Syntax.rewrite(source);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.fallback = fallback;
        this.clock = Objects.requireNonNull(clock, "clock");
        JinjaEnvironment.checkFilters(source);
    }

    /**
     * A template from its source text, e.g. GGUF's {@code tokenizer.chat_template}.
     *
     * @param bosToken the BOS token text, or null if the model has none
     * @param eosToken the EOS token text, or null if the model has none
     * @throws ChatTemplateException if the template uses a filter that is not available
     */
    public static ChatTemplate of(String template, String bosToken, String eosToken) {
        return new ChatTemplate(template, bosToken, eosToken, false, Clock.systemDefaultZone());
    }

    /** The documented {@link #FALLBACK_TEMPLATE}, for models without a chat template. */
    public static ChatTemplate fallback(String bosToken, String eosToken) {
        return new ChatTemplate(FALLBACK_TEMPLATE, bosToken, eosToken, true, Clock.systemDefaultZone());
    }

    /**
     * Reads the template from a Hugging Face model folder ({@code chat_template.jinja}, else
     * {@code tokenizer_config.json}'s {@code chat_template}).
     *
     * @return empty when the folder has no chat template
     * @throws ChatTemplateException when the files exist but are malformed or the template is unusable
     */
    public static Optional<ChatTemplate> load(Path modelDir) {
        TokenizerConfig config = TokenizerConfig.read(modelDir);
        return Optional.ofNullable(config.chatTemplate())
                .map(t -> of(t, config.bosToken(), config.eosToken()));
    }

    /** Like {@link #load} but falls back to {@link #fallback} (keeping the folder's BOS/EOS). */
    public static ChatTemplate loadOrFallback(Path modelDir) {
        TokenizerConfig config = TokenizerConfig.read(modelDir);
        return config.chatTemplate() == null
                ? fallback(config.bosToken(), config.eosToken())
                : of(config.chatTemplate(), config.bosToken(), config.eosToken());
    }

    /** The same template with {@code strftime_now} reading this clock (tests, reproducible prompts). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, bosToken, eosToken, fallback, clock);
    }

    /** True when this is the generic fallback rather than the model's own template. */
    public boolean isFallback() {
        return fallback;
    }

    public String source() {
        return source;
    }

    public Optional<String> bosToken() {
        return Optional.ofNullable(bosToken);
    }

    public Optional<String> eosToken() {
        return Optional.ofNullable(eosToken);
    }

    /**
     * Renders the conversation.
     *
     * @param addGenerationPrompt append the tokens that open an assistant turn (for inference)
     * @throws TemplateRaisedException when the template rejects the conversation via raise_exception
     * @throws ChatTemplateException on any other template error
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /** As {@link #render(List, boolean)}, with extra template variables (HF's {@code **kwargs}). */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> extraVariables) {
        var list = new ArrayList<Map<String, Object>>(messages.size());
        for (ChatMessage m : messages) {
            list.add(m.toTemplateMap());
        }
        var vars = new HashMap<String, Object>();
        vars.put("tools", null); // HF always passes tools (None when absent)
        vars.putAll(extraVariables);
        vars.put("messages", list);
        vars.put("add_generation_prompt", addGenerationPrompt);
        if (bosToken != null) vars.put("bos_token", bosToken);
        if (eosToken != null) vars.put("eos_token", eosToken);
        vars.put(TemplateFunctions.CLOCK_KEY, clock);
        return JinjaEnvironment.render(parsed, vars);
    }
}
