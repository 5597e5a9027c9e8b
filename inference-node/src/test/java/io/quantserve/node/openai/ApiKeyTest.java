package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.UnauthorizedException;
import com.openai.models.completions.CompletionCreateParams;
import io.quantserve.testing.TestFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** A node started with two API keys: OpenAI clients pass with either, everything else gets OpenAI's 401. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiKeyTest {
    private static final String COMPLETION = "{\"model\":\"stories260K\",\"prompt\":\"Once\",\"max_tokens\":2}";

    @DynamicPropertySource
    static void node(DynamicPropertyRegistry registry) {
        registry.add("quantserve.node.model", () -> TestFixtures.model("stories260K.gguf").toString());
        registry.add("quantserve.node.api-key", () -> "first-key, second-key");
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    private OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://localhost:" + port + "/v1").apiKey(key).maxRetries(0)
                .build();
    }

    private HttpResponse<String> send(String method, String path, String authorization, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeAClientThatSendsEitherKey() {
        for (String key : new String[] {"first-key", "second-key"}) {
            OpenAIClient client = client(key);
            assertThat(client.models().list().items()).singleElement()
                    .satisfies(m -> assertThat(m.id()).isEqualTo("stories260K"));
            var completion = client.completions().create(CompletionCreateParams.builder().model("stories260K")
                    .prompt("Once upon a time").maxTokens(4).temperature(0.0).build());
            assertThat(completion.choices().getFirst().text()).isNotEmpty();
        }
    }

    @Test
    void shouldRefuseAWrongKeyWithOpenAisUnauthorizedError() {
        assertThatThrownBy(() -> client("first-ke").models().list())
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(401);
                    assertThat(e.code()).hasValue("invalid_api_key");
                    assertThat(e.getMessage()).contains("Incorrect API key provided");
                });
    }

    @Test
    void shouldRefuseRequestsWithoutABearerKeyOnEveryApiRoute() throws Exception {
        String[][] routes = {{"POST", "/v1/completions"}, {"POST", "/v1/chat/completions"}, {"GET", "/v1/models"},
            {"POST", "/tokenize"}, {"POST", "/detokenize"}, {"GET", "/no-such-route"}};
        for (String[] route : routes) {
            for (String authorization : new String[] {null, "first-key", "Basic Zmlyc3Qta2V5", "Bearer "}) {
                HttpResponse<String> response = send(route[0], route[1], authorization,
                        route[0].equals("POST") ? COMPLETION : null);
                assertThat(response.statusCode()).as(route[1] + " with " + authorization).isEqualTo(401);
                assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
                JsonNode error = NodeHttp.JSON.readTree(response.body()).path("error");
                assertThat(error.path("code").asString()).isEqualTo("invalid_api_key");
                assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
                assertThat(error.path("message").asString()).containsAnyOf("No API key provided", "Incorrect API key");
            }
        }
        // the scheme is case-insensitive (RFC 9110), the key is not
        assertThat(send("POST", "/v1/completions", "bearer second-key", COMPLETION).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/v1/completions", "Bearer SECOND-KEY", COMPLETION).statusCode()).isEqualTo(401);
    }

    @Test
    void shouldAnswerABrowsersPreflightWithoutAKeyAndLetItReadTheRefusal() throws Exception {
        HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/v1/chat/completions"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://console.example:3000")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://console.example:3000");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("POST");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow().toLowerCase())
                .contains("authorization");

        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(COMPLETION)).header("Content-Type", "application/json")
                .header("Origin", "http://console.example:3000").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://console.example:3000");
    }

    @Test
    void shouldLeaveHealthAndMetricsOpenForProbesAndScrapers() throws Exception {
        for (String path : new String[] {"/health", "/health/readiness", "/health/liveness", "/metrics"}) {
            assertThat(send("GET", path, null, null).statusCode()).as(path).isEqualTo(200);
        }
    }
}
