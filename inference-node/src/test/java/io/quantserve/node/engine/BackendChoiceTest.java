package io.quantserve.node.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.gpu.CudaProbe;
import io.quantserve.node.NodeApplication;
import io.quantserve.testing.TestFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code quantserve.node.engine.backend=auto} serves a GGUF model on the CPU on every machine: here for want of a
 * CUDA device, on a GPU machine because the GPU runner refuses GGUF. The choice shows in the engine's health.
 */
class BackendChoiceTest {

    @Test
    void shouldServeOnTheCpuOnAutoAndSayWhyInTheEngineHealth() throws Exception {
        try (ConfigurableApplicationContext context = SpringApplication.run(NodeApplication.class, "--server.port=0",
                "--quantserve.node.model=" + TestFixtures.model("stories260K.gguf"),
                "--quantserve.node.engine.backend=auto")) {
            NodeEngine engine = context.getBean(NodeEngine.class);
            assertThat(engine.backend()).isEqualTo("cpu");
            CudaProbe.Result probe = CudaProbe.probe();
            assertThat(engine.backendReason()).startsWith("auto: ").contains(probe.available()
                    ? "the GPU runner cannot serve this model" : probe.detail());

            Health health = context.getBean(EngineHealthIndicator.class).health();
            assertThat(health.getDetails()).containsEntry("backend", "cpu").containsEntry("model", "stories260K");

            int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            HttpResponse<String> models = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(models.statusCode()).isEqualTo(200);
            assertThat(models.body()).contains("\"id\":\"stories260K\"").doesNotContain("backend");
        }
    }
}
