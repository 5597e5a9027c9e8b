package io.quantserve.engine.generate;

import io.quantserve.engine.chat.ChatMessage;
import io.quantserve.engine.chat.ChatTemplate;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;

/** Turning what users send (plain text, a conversation) into prompt ids, the way transformers and vLLM do. */
public final class Prompts {
    private Prompts() {
    }

    /** Plain text to ids with BOS first when the tokenizer's convention says so (special tokens stay text). */
    public static int[] text(Tokenizer tokenizer, String text) {
        int[] ids = tokenizer.encode(text);
        if (tokenizer.addBosByDefault() && tokenizer.bosId().isPresent()) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = tokenizer.bosId().getAsInt();
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            return withBos;
        }
        return ids;
    }

    /**
     * The rendered conversation as ids. Templates write BOS themselves ({{ bos_token }}), so special-token text is
     * parsed as special tokens and nothing is added, as transformers' apply_chat_template does; the fallback
     * format gets BOS by the tokenizer's convention.
     */
    public static int[] chat(Tokenizer tokenizer, ChatTemplate template, List<ChatMessage> messages) {
        return chat(tokenizer, template, messages, Ending.GENERATION_PROMPT);
    }

    /** How a rendered conversation ends, for the model to go on from there. */
    public enum Ending {
        /** the template's cue for the assistant's turn (add_generation_prompt): a new reply */
        GENERATION_PROMPT,
        /** the last message as the template renders it, turn end included */
        LAST_MESSAGE,
        /**
         * the last message's content, cut right after it (vLLM's continue_final_message): the model continues that
         * message, such as an assistant reply the caller began
         */
        CONTINUE_LAST_MESSAGE
    }

    /** As {@link #chat(Tokenizer, ChatTemplate, List)}, ending as asked. */
    public static int[] chat(Tokenizer tokenizer, ChatTemplate template, List<ChatMessage> messages, Ending ending) {
        return chat(tokenizer, template, messages, ending, Map.of());
    }

    /**
     * As {@link #chat(Tokenizer, ChatTemplate, List, Ending)}, with extra template variables such as {@code tools}
     * (the function tools offered, as transformers' apply_chat_template passes them).
     */
    public static int[] chat(Tokenizer tokenizer, ChatTemplate template, List<ChatMessage> messages, Ending ending,
            Map<String, ?> variables) {
        String rendered = template.render(messages, ending == Ending.GENERATION_PROMPT, variables);
        if (ending == Ending.CONTINUE_LAST_MESSAGE) {
            String last = messages.getLast().content();
            int at = last.isEmpty() ? -1 : rendered.lastIndexOf(last);
            if (at < 0) {
                throw new IllegalArgumentException("the chat template does not render the last message's content as"
                        + " given, so it cannot be continued");
            }
            rendered = rendered.substring(0, at + last.length());
        }
        if (template.isFallback()) {
            return text(tokenizer, rendered);
        }
        return tokenizer.encodeWithSpecials(rendered);
    }
}
