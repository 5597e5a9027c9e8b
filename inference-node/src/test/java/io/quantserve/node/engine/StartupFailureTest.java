package io.quantserve.node.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.node.NodeApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;

/** A node whose model cannot be pulled or loaded does not start, and says why. */
class StartupFailureTest {

    private static void start(String model) {
        SpringApplication.run(NodeApplication.class, "--server.port=0", "--quantserve.node.model=" + model);
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
