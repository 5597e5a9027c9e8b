package io.quantserve.node.openai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import java.time.Duration;

/** The official OpenAI SDK pointed at a node, without retries (so a 429 or 503 reaches the test). */
final class OpenAiClients {
    private OpenAiClients() {
    }

    static OpenAIClient of(int port) {
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://localhost:" + port + "/v1")
                .apiKey("not-needed")
                .maxRetries(0)
                .timeout(Duration.ofMinutes(2))
                .build();
    }
}
