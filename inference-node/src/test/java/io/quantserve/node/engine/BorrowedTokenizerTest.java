package io.quantserve.node.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.node.NodeApplication;
import io.quantserve.testing.TestFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code quantserve.node.tokenizer}: stories260K's Hugging Face folder has no tokenizer, its GGUF twin carries one in
 * its metadata; served with it, the folder tells llama.cpp's story.
 */
class BorrowedTokenizerTest {
    private static final String FOLDER = TestFixtures.model("stories260K").toString();

    private static ConfigurableApplicationContext start(String... more) {
        String[] args = new String[3 + more.length];
        args[0] = "--server.port=0";
        args[1] = "--quantserve.node.model=" + FOLDER;
        args[2] = "--quantserve.node.engine.kv-cache-memory=16MB";
        System.arraycopy(more, 0, args, 3, more.length);
        return SpringApplication.run(NodeApplication.class, args);
    }

    @Test
    void shouldServeAFolderWithoutATokenizerThroughTheOneNamed() throws Exception {
        try (ConfigurableApplicationContext node = start("--quantserve.node.tokenizer="
                + TestFixtures.model("stories260K.gguf"))) {
            String port = node.getEnvironment().getProperty("local.server.port");
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"stories260K\", \"prompt\": \"Once upon a"
                            + " time\", \"max_tokens\": 12, \"temperature\": 0}"))
                    .build();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode body = new ObjectMapper().readTree(response.body());
            assertThat(body.path("choices").path(0).path("text").asString())
                    .isEqualTo(", there was a little girl named Lily. She");  // llama.cpp's greedy text
        }
    }

    @Test
    void shouldSayWhichSettingNamesATokenizerWhenTheModelHasNone() {
        assertThatThrownBy(BorrowedTokenizerTest::start)
                .satisfies(e -> assertThat(e).hasStackTraceContaining("has no tokenizer")
                        .hasStackTraceContaining("quantserve.node.tokenizer"));
    }

    @Test
    void shouldRefuseATokenizerWithMoreIdsThanTheModelsVocabulary() {
        String llama2 = TestFixtures.root().resolve("tokenizers/llama2/tokenizer.model").toString();
        assertThatThrownBy(() -> start("--quantserve.node.tokenizer=" + llama2))
                .satisfies(e -> assertThat(e).hasStackTraceContaining("has 32000 token ids but the model's vocab_size"
                        + " is 512"));
    }
}
