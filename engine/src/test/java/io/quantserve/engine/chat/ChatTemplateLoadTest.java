package io.quantserve.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.ObjectMapper;

class ChatTemplateLoadTest {

    @TempDir
    Path dir;

    private void writeConfig(Map<String, Object> config) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), new ObjectMapper().writeValueAsString(config));
    }

    @Test
    void readsTemplateAndAddedTokenObjects() throws IOException {
        var config = new LinkedHashMap<String, Object>();
        config.put("chat_template", PublishedTemplatesTest.LLAMA2); // JSON round trip, as on the Hub
        config.put("bos_token", Map.of("__type", "AddedToken", "content", "<s>", "lstrip", false));
        config.put("eos_token", "</s>");
        writeConfig(config);

        ChatTemplate t = ChatTemplate.load(dir).orElseThrow();
        assertThat(t.bosToken()).contains("<s>");
        assertThat(t.eosToken()).contains("</s>");
        assertThat(t.render(PublishedTemplatesTest.WITH_SYSTEM, true)).isEqualTo(
                "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHello! [/INST] Hi. </s><s>[INST] What is 2+2? [/INST]");
    }

    @Test
    void picksTheDefaultOfNamedTemplates() throws IOException {
        writeConfig(Map.of("chat_template", List.of(
                Map.of("name", "tool_use", "template", "tools"),
                Map.of("name", "default", "template", "default:{{ messages | length }}"))));
        assertThat(ChatTemplate.load(dir).orElseThrow().render(List.of(ChatMessage.user("x")), false))
                .isEqualTo("default:1");
    }

    @Test
    void namedTemplatesWithoutDefaultAreAnError() throws IOException {
        writeConfig(Map.of("chat_template", List.of(Map.of("name", "rag", "template", "x"))));
        assertThatThrownBy(() -> ChatTemplate.load(dir))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("default");
    }

    @Test
    void standaloneJinjaFileWins() throws IOException {
        writeConfig(Map.of("chat_template", "old", "eos_token", "</s>"));
        Files.writeString(dir.resolve("chat_template.jinja"), "new{{ eos_token }}\n");
        assertThat(ChatTemplate.load(dir).orElseThrow().render(List.of(), false)).isEqualTo("new</s>");
    }

    @Test
    void noTemplateMeansEmptyOrFallback() throws IOException {
        assertThat(ChatTemplate.load(dir)).isEmpty(); // no files at all
        writeConfig(Map.of("eos_token", "</s>"));
        assertThat(ChatTemplate.load(dir)).isEmpty();
        ChatTemplate fallback = ChatTemplate.loadOrFallback(dir);
        assertThat(fallback.isFallback()).isTrue();
        assertThat(fallback.eosToken()).contains("</s>");
        assertThat(fallback.bosToken()).isEmpty();
    }

    @Test
    void malformedConfigIsAClearError() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": ");
        assertThatThrownBy(() -> ChatTemplate.load(dir))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("tokenizer_config.json");
        writeConfig(Map.of("chat_template", 42));
        assertThatThrownBy(() -> ChatTemplate.load(dir))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("chat_template");
    }
}
