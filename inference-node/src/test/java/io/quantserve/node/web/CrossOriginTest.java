package io.quantserve.node.web;

import static org.assertj.core.api.Assertions.assertThat;

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

/** A node that lets pages of one domain's subdomains call it from the browser, and no others. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CrossOriginTest {
    private static final String COMPLETION = "{\"model\":\"stories260K\",\"prompt\":\"Once\",\"max_tokens\":2}";

    @DynamicPropertySource
    static void node(DynamicPropertyRegistry registry) {
        registry.add("quantserve.node.model", () -> TestFixtures.model("stories260K.gguf").toString());
        registry.add("quantserve.node.allowed-origins", () -> "https://*.example.com");
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> preflight(String origin) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/completions"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", origin)
                .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> complete(String origin) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(COMPLETION)).header("Content-Type", "application/json")
                .header("Origin", origin).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldLetAnAllowedOriginCallAndReadRetryAfter() throws Exception {
        HttpResponse<String> preflight = preflight("https://console.example.com");
        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://console.example.com");

        HttpResponse<String> completion = complete("https://console.example.com");
        assertThat(completion.statusCode()).as(completion.body()).isEqualTo(200);
        assertThat(completion.headers().firstValue("Access-Control-Allow-Origin"))
                .hasValue("https://console.example.com");
        assertThat(completion.headers().firstValue("Access-Control-Expose-Headers")).hasValue("Retry-After");
    }

    @Test
    void shouldRefuseAnyOtherOrigin() throws Exception {
        for (String origin : new String[] {"https://example.org", "http://console.example.com",
            "https://console.example.com.evil.org"}) {
            assertThat(preflight(origin).statusCode()).as(origin).isEqualTo(403);
            assertThat(complete(origin).statusCode()).as(origin).isEqualTo(403);
        }
    }
}
