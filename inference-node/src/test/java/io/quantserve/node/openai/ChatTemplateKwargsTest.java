package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.node.NodeApplication;
import io.quantserve.testing.TestFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * vLLM's {@code chat_template_kwargs}: variables for the model's own template (here one that, like Qwen3's, reads
 * {@code enable_thinking}), on /v1/chat/completions and /tokenize alike.
 */
class ChatTemplateKwargsTest {
    static final String TEMPLATE = "{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '\\n' }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ 'assistant:' }}{% if enable_thinking is defined and enable_thinking is"
            + " false %}{{ ' (no thinking)' }}{% endif %}{% endif %}";
    static final String MESSAGES = "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]";

    static ConfigurableApplicationContext node;
    static NodeHttp http;

    @BeforeAll
    static void start(@TempDir Path folder) throws Exception {
        Path stories = TestFixtures.model("stories260K");
        for (String file : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(stories.resolve(file), folder.resolve(file));
        }
        Files.writeString(folder.resolve("tokenizer_config.json"),
                NodeHttp.JSON.writeValueAsString(Map.of("chat_template", TEMPLATE)));
        node = SpringApplication.run(NodeApplication.class, "--server.port=0", "--quantserve.node.model=" + folder,
                "--quantserve.node.served-model-name=stories260K", "--quantserve.node.engine.kv-cache-memory=16MB",
                "--quantserve.node.tokenizer=" + TestFixtures.model("stories260K.gguf"));
        http = new NodeHttp(Integer.parseInt(node.getEnvironment().getRequiredProperty("local.server.port")));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String prompt(String fields) throws Exception {
        JsonNode ids = http.ok("/tokenize", "{" + MESSAGES + fields + "}").path("tokens");
        return http.ok("/detokenize", "{\"tokens\": " + ids + "}").path("prompt").asString();
    }

    @Test
    void shouldPassTheVariablesToTheTemplate() throws Exception {
        assertThat(prompt("")).endsWith("user: Hi\nassistant:");
        assertThat(prompt(", \"chat_template_kwargs\": {\"enable_thinking\": true}")).endsWith("assistant:");
        assertThat(prompt(", \"chat_template_kwargs\": {\"enable_thinking\": false}"))
                .endsWith("user: Hi\nassistant: (no thinking)");

        JsonNode thinking = http.ok("/v1/chat/completions", "{" + MESSAGES + ", \"max_tokens\": 3, \"temperature\": 0}");
        JsonNode direct = http.ok("/v1/chat/completions", "{" + MESSAGES + ", \"max_tokens\": 3, \"temperature\": 0,"
                + " \"chat_template_kwargs\": {\"enable_thinking\": false}}");
        assertThat(direct.path("usage").path("prompt_tokens").asInt())
                .isGreaterThan(thinking.path("usage").path("prompt_tokens").asInt());
    }

    @Test
    void shouldRefuseWhatIsNotAnObjectAndWhatTheRequestItselfSets() throws Exception {
        http.assertRefused("/v1/chat/completions", "{" + MESSAGES + ", \"chat_template_kwargs\": [1]}",
                "chat_template_kwargs", "must be an object");
        http.assertRefused("/v1/chat/completions", "{" + MESSAGES + ", \"chat_template_kwargs\": {\"messages\": []}}",
                "chat_template_kwargs.messages", "set by the request itself");
        http.assertRefused("/tokenize", "{" + MESSAGES + ", \"chat_template_kwargs\": {\"add_generation_prompt\":"
                + " false}}", "chat_template_kwargs.add_generation_prompt", "set by the request itself");
    }
}
