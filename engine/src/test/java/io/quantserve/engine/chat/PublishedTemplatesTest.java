package io.quantserve.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Real templates copied verbatim from the models' tokenizer_config.json (JSON string escapes
 * undone, so a Jinja {@code '\n'} escape appears here as {@code \\n}). Expected strings are what
 * transformers' apply_chat_template(tokenize=False) produces with trim_blocks/lstrip_blocks.
 */
class PublishedTemplatesTest {

    /** meta-llama/Llama-2-7b-chat-hf. */
    static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    /** meta-llama/Meta-Llama-3-8B-Instruct. */
    static final String LLAMA3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    /** Qwen/Qwen2-7B-Instruct (ChatML with a default system prompt). */
    static final String QWEN2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** mistralai/Mistral-7B-Instruct-v0.2 (as originally published). */
    static final String MISTRAL = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    /** TinyLlama/TinyLlama-1.1B-Chat-v1.0 and HuggingFaceH4/zephyr-7b-beta: newlines between tags are real. */
    static final String ZEPHYR = "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

    /** google/gemma-3-4b-it: {%- -%} whitespace control, `is string`, inline if, trailing newline. */
    static final String GEMMA3 = "{{ bos_token }}\n{%- if messages[0]['role'] == 'system' -%}\n    {%- if messages[0]['content'] is string -%}\n        {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}\n    {%- else -%}\n        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\\n\\n' -%}\n    {%- endif -%}\n    {%- set loop_messages = messages[1:] -%}\n{%- else -%}\n    {%- set first_user_prefix = \"\" -%}\n    {%- set loop_messages = messages -%}\n{%- endif -%}\n{%- for message in loop_messages -%}\n    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n        {{ raise_exception(\"Conversation roles must alternate user/assistant/user/assistant/...\") }}\n    {%- endif -%}\n    {%- if (message['role'] == 'assistant') -%}\n        {%- set role = \"model\" -%}\n    {%- else -%}\n        {%- set role = message['role'] -%}\n    {%- endif -%}\n    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else \"\") }}\n    {%- if message['content'] is string -%}\n        {{ message['content'] | trim }}\n    {%- elif message['content'] is iterable -%}\n        {%- for item in message['content'] -%}\n            {%- if item['type'] == 'image' -%}\n                {{ '<start_of_image>' }}\n            {%- elif item['type'] == 'text' -%}\n                {{ item['text'] | trim }}\n            {%- endif -%}\n        {%- endfor -%}\n    {%- else -%}\n        {{ raise_exception(\"Invalid content type\") }}\n    {%- endif -%}\n    {{ '<end_of_turn>\\n' }}\n{%- endfor -%}\n{%- if add_generation_prompt -%}\n    {{'<start_of_turn>model\\n'}}\n{%- endif -%}\n";

    static final List<ChatMessage> WITH_SYSTEM = List.of(
            ChatMessage.system("You are terse."),
            ChatMessage.user("Hello!"),
            ChatMessage.assistant("Hi."),
            ChatMessage.user("What is 2+2?"));

    @Test
    void llama2WithSystemPrompt() {
        var t = ChatTemplate.of(LLAMA2, "<s>", "</s>");
        assertThat(t.render(WITH_SYSTEM, true)).isEqualTo(
                "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHello! [/INST] Hi. </s><s>[INST] What is 2+2? [/INST]");
    }

    @Test
    void llama2StripsContentAndIgnoresGenerationPrompt() {
        var t = ChatTemplate.of(LLAMA2, "<s>", "</s>");
        var messages = List.of(ChatMessage.user("  Hello!\n"));
        assertThat(t.render(messages, false)).isEqualTo("<s>[INST] Hello! [/INST]");
        assertThat(t.render(messages, true)).isEqualTo("<s>[INST] Hello! [/INST]");
    }

    @Test
    void llama2RejectsNonAlternatingRoles() {
        var t = ChatTemplate.of(LLAMA2, "<s>", "</s>");
        assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true))
                .isInstanceOf(TemplateRaisedException.class)
                .hasMessage("Conversation roles must alternate user/assistant/user/assistant/...");
    }

    @Test
    void llama3AddsBosOnceAndTrimsOnlyTheContent() {
        var t = ChatTemplate.of(LLAMA3, "<|begin_of_text|>", "<|end_of_text|>");
        var messages = List.of(ChatMessage.system("You are terse."), ChatMessage.user("  Hello!  "));
        String expected = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>";
        assertThat(t.render(messages, false)).isEqualTo(expected);
        assertThat(t.render(messages, true)).isEqualTo(expected + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void qwen2InsertsDefaultSystemPrompt() {
        var t = ChatTemplate.of(QWEN2, null, "<|im_end|>");
        assertThat(t.render(List.of(ChatMessage.user("Hello!")), true)).isEqualTo(
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHello!<|im_end|>\n"
                        + "<|im_start|>assistant\n");
    }

    @Test
    void qwen2KeepsGivenSystemPrompt() {
        var t = ChatTemplate.of(QWEN2, null, "<|im_end|>");
        assertThat(t.render(WITH_SYSTEM, false)).isEqualTo(
                "<|im_start|>system\nYou are terse.<|im_end|>\n"
                        + "<|im_start|>user\nHello!<|im_end|>\n"
                        + "<|im_start|>assistant\nHi.<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n");
    }

    @Test
    void mistralInstruct() {
        var t = ChatTemplate.of(MISTRAL, "<s>", "</s>");
        var messages = List.of(ChatMessage.user("Hello!"), ChatMessage.assistant("Hi."), ChatMessage.user("What is 2+2?"));
        assertThat(t.render(messages, true)).isEqualTo("<s>[INST] Hello! [/INST]Hi.</s>[INST] What is 2+2? [/INST]");
    }

    @Test
    void mistralRejectsSystemRole() {
        var t = ChatTemplate.of(MISTRAL, "<s>", "</s>");
        // The alternation check runs first: a leading system message is "not a user message at index 0".
        assertThatThrownBy(() -> t.render(WITH_SYSTEM, true))
                .isInstanceOf(TemplateRaisedException.class)
                .hasMessage("Conversation roles must alternate user/assistant/user/assistant/...");
        var userThenSystem = List.of(ChatMessage.user("a"), new ChatMessage("system", "b"));
        assertThatThrownBy(() -> t.render(userThenSystem, true))
                .isInstanceOf(TemplateRaisedException.class)
                .hasMessage("Only user and assistant roles are supported!");
    }

    @Test
    void zephyrHonoursTrimBlocks() {
        var t = ChatTemplate.of(ZEPHYR, "<s>", "</s>");
        String conversation = "<|system|>\nYou are terse.</s>\n<|user|>\nHello!</s>\n"
                + "<|assistant|>\nHi.</s>\n<|user|>\nWhat is 2+2?</s>\n";
        assertThat(t.render(WITH_SYSTEM, false)).isEqualTo(conversation);
        assertThat(t.render(WITH_SYSTEM, true)).isEqualTo(conversation + "<|assistant|>\n");
    }

    @Test
    void gemma3FoldsSystemIntoFirstUserTurn() {
        var t = ChatTemplate.of(GEMMA3, "<bos>", "<eos>");
        assertThat(t.render(WITH_SYSTEM, true)).isEqualTo(
                "<bos><start_of_turn>user\nYou are terse.\n\nHello!<end_of_turn>\n"
                        + "<start_of_turn>model\nHi.<end_of_turn>\n"
                        + "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n"
                        + "<start_of_turn>model\n");
    }
}
