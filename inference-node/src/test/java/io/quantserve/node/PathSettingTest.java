package io.quantserve.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.node.config.NodeProperties;
import io.quantserve.testing.TestFixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** A relative path setting that climbs with ".." binds as written (Spring's own conversion refuses it). */
class PathSettingTest {

    @Test
    void shouldBindARelativeCacheDirThatClimbsOutOfTheWorkingDirectory() {
        Path model = TestFixtures.model("stories260K.gguf");
        String cacheDir = "../inference-node/target/relative-cache";
        try (ConfigurableApplicationContext node = SpringApplication.run(NodeApplication.class, "--server.port=0",
                "--quantserve.node.model=" + model, "--quantserve.node.cache-dir=" + cacheDir)) {
            assertThat(node.getBean(NodeProperties.class).cacheDir()).isEqualTo(Path.of(cacheDir));
        }
    }
}
