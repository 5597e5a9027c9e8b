package io.quantserve.node.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.gpu.CudaProbe;
import io.quantserve.node.NodeApplication;
import io.quantserve.testing.TestFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;

/** A node whose model cannot be pulled or loaded does not start, and says why. */
class StartupFailureTest {

    private static void start(String model, String... more) {
        String[] args = new String[2 + more.length];
        args[0] = "--server.port=0";
        args[1] = "--quantserve.node.model=" + model;
        System.arraycopy(more, 0, args, 2, more.length);
        SpringApplication.run(NodeApplication.class, args);
    }

    /** Without a device the probe's reason; with one, the GPU runner's refusal of GGUF: either way no CPU fallback. */
    @Test
    void shouldRefuseToStartOnCudaWhenNoDeviceIsUsableOrTheGpuRunnerRefusesTheModel() {
        CudaProbe.Result probe = CudaProbe.probe();
        assertThatThrownBy(() -> start(TestFixtures.model("stories260K.gguf").toString(),
                "--quantserve.node.engine.backend=cuda"))
                .satisfies(e -> {
                    Throwable failure = rootOrStartup(e);
                    assertThat(failure).isInstanceOf(ModelStartupException.class)
                            .hasMessageContaining("quantserve.node.engine.backend=cuda");
                    if (probe.available()) {
                        assertThat(failure).hasMessageContaining("GGUF");
                    } else {
                        assertThat(failure).hasMessageContaining("no CUDA device is usable")
                                .hasMessageContaining(probe.detail());
                    }
                });
    }

    @Test
    void shouldRefuseAnUnknownBackendNamingTheSetting() {
        assertThatThrownBy(() -> start(TestFixtures.model("stories260K.gguf").toString(),
                "--quantserve.node.engine.backend=rocm"))
                .satisfies(e -> assertThat(e).hasStackTraceContaining("quantserve.node.engine.backend")
                        .hasStackTraceContaining("rocm"));
    }

    @Test
    void shouldRefuseUnknownParsersNamingTheSetting() {
        assertThatThrownBy(() -> start(TestFixtures.model("stories260K.gguf").toString(),
                "--quantserve.node.reasoning-parser=granite"))
                .satisfies(e -> assertThat(e).hasStackTraceContaining("quantserve.node.reasoning-parser 'granite' is"
                        + " not supported (supported: deepseek_r1, qwen3)"));
        assertThatThrownBy(() -> start(TestFixtures.model("stories260K.gguf").toString(),
                "--quantserve.node.tool-call-parser=pythonic"))
                .satisfies(e -> assertThat(e).hasStackTraceContaining("quantserve.node.tool-call-parser: tool call"
                        + " parser 'pythonic' is not supported (supported: hermes, llama3_json, mistral)"));
    }

    @Test
    void shouldRefuseASpeculativeConfigItCannotRunNamingTheSetting() {
        assertThatThrownBy(() -> start(TestFixtures.model("stories260K.gguf").toString(),
                "--quantserve.node.engine.speculative-config={\"method\": \"eagle\", \"num_speculative_tokens\": 3}"))
                .satisfies(e -> assertThat(e).hasStackTraceContaining("quantserve.node.engine.speculative-config")
                        .hasStackTraceContaining("method \"eagle\" is not supported"));
    }

    @Test
    void shouldRefuseAGpuMemoryUtilizationOutsideZeroToOneNamingTheSetting() {
        for (String u : new String[] {"0", "1.5"}) {
            assertThatThrownBy(() -> start(TestFixtures.model("stories260K.gguf").toString(),
                    "--quantserve.node.engine.gpu-memory-utilization=" + u))
                    .satisfies(e -> assertThat(e).hasStackTraceContaining("gpuMemoryUtilization")
                            .hasStackTraceContaining(u));
        }
    }

    @Test
    void shouldRefuseToStartOnAMissingModel() {
        assertThatThrownBy(() -> start("/no/such/model"))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(rootOrStartup(e).getMessage()).contains("/no/such/model"));
    }

    @Test
    void shouldRefuseToStartOnAFolderThatIsNotAModel(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"");
        assertThatThrownBy(() -> start(dir.toString()))
                .satisfies(e -> assertThat(rootOrStartup(e)).isInstanceOf(ModelStartupException.class)
                        .hasMessageContaining("Cannot serve model").hasMessageContaining("config.json"));
    }

    private static Throwable rootOrStartup(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ModelStartupException) {
                return t;
            }
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root;
    }
}
