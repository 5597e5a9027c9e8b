package io.quantserve.node.artifact;

import io.quantserve.engine.gpu.BackendChoice;
import io.quantserve.node.config.NodeProperties;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.util.unit.DataSize;

/** Node settings for pull tests: the model reference, the cache and the servers it is pulled from. */
final class TestNodes {

    private TestNodes() {
    }

    static NodeProperties properties(String model, Path cacheDir, URI registryUrl, URI hubEndpoint, String token) {
        return new NodeProperties(model, "", cacheDir, registryUrl, new NodeProperties.Hub(hubEndpoint, token),
                new NodeProperties.Engine(DataSize.ofMegabytes(16), 16, 512, 64, 256, 0, BackendChoice.AUTO, null, ""),
                Duration.ofSeconds(30), DataSize.ofMegabytes(8), "", "", "", List.of(), List.of("*"));
    }

    /** Short timeouts and one retry, so that failures are quick. */
    static ModelPuller puller() {
        return new ModelPuller(Duration.ofSeconds(2), Duration.ofSeconds(10), 1);
    }
}
