package io.quantserve.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.chat.ChatMessage;
import io.quantserve.engine.chat.ChatTemplate;
import io.quantserve.engine.testing.Fixtures;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptsTest {
    private static final String LLAMA2_TEMPLATE = "{% for message in messages %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
            + "{{ ' ' + message['content'] + ' ' + eos_token }}{% endif %}{% endfor %}";

    @Test
    void renderedTemplateTurnsBosTextIntoTheBosIdOnce() throws Exception {
        Tokenizer llama2 = Tokenizers.fromSentencePieceModel(Fixtures.root().resolve("tokenizers/llama2/tokenizer.model"));
        ChatTemplate template = ChatTemplate.of(LLAMA2_TEMPLATE, "<s>", "</s>");
        int[] ids = Prompts.chat(llama2, template, List.of(ChatMessage.user("Hi")));
        // <s> ▁[ INST ] ▁Hi ▁[ / INST ]
        assertThat(ids).containsExactly(1, 518, 25580, 29962, 6324, 518, 29914, 25580, 29962);
        assertThat(llama2.decode(ids, true)).isEqualTo("[INST] Hi [/INST]");
    }

    @Test
    void fallbackFormatStartsWithBos() throws Exception {
        Tokenizer llama2 = Tokenizers.fromSentencePieceModel(Fixtures.root().resolve("tokenizers/llama2/tokenizer.model"));
        int[] ids = Prompts.chat(llama2, ChatTemplate.fallback("<s>", "</s>"), List.of(ChatMessage.user("Hi")));
        assertThat(ids[0]).isEqualTo(1);
        assertThat(ids).containsOnlyOnce(1);
    }

    @Test
    void aConversationEndsWithTheLastMessageOrContinuesIt() throws Exception {
        Tokenizer llama2 = Tokenizers.fromSentencePieceModel(Fixtures.root().resolve("tokenizers/llama2/tokenizer.model"));
        ChatTemplate template = ChatTemplate.of(LLAMA2_TEMPLATE, "<s>", "</s>");
        List<ChatMessage> begun = List.of(ChatMessage.user("Hi"), new ChatMessage("assistant", "Sure, here"));
        int[] closed = Prompts.chat(llama2, template, begun, Prompts.Ending.LAST_MESSAGE);
        assertThat(closed[closed.length - 1]).as("the turn's </s>").isEqualTo(2);
        int[] continued = Prompts.chat(llama2, template, begun, Prompts.Ending.CONTINUE_LAST_MESSAGE);
        assertThat(llama2.decode(continued, true)).isEqualTo("[INST] Hi [/INST] Sure, here");
        assertThat(continued).doesNotContain(2);
        ChatTemplate trimming = ChatTemplate.of("{% for m in messages %}{{ m['content'] | trim }}{% endfor %}", "<s>",
                "</s>");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Prompts.chat(llama2, trimming,
                List.of(new ChatMessage("assistant", " padded ")), Prompts.Ending.CONTINUE_LAST_MESSAGE))
                .hasMessageContaining("cannot be continued");
    }
}
