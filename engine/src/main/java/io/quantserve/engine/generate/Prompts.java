package io.quantserve.engine.generate;

import io.quantserve.engine.chat.ChatMessage;
import io.quantserve.engine.chat.ChatTemplate;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.util.List;

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
        String rendered = template.render(messages, true);
        if (template.isFallback()) {
            return text(tokenizer, rendered);
        }
        return tokenizer.encodeWithSpecials(rendered);
    }
}
