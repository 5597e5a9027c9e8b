package io.quantserve.node.engine;

import io.quantserve.engine.gpu.CudaException;
import io.quantserve.node.artifact.ModelPullException;
import io.quantserve.node.artifact.ModelPuller;
import io.quantserve.node.artifact.ModelReference;
import io.quantserve.node.config.NodeProperties;
import java.io.IOException;
import java.nio.file.Path;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Start-up: pull the model reference into the local cache, then load and warm the engine on it. */
@Configuration
class NodeConfiguration {

    @Bean
    NodeEngine nodeEngine(NodeProperties properties, ModelPuller puller) throws Exception {
        Path local;
        try {
            local = puller.resolve(properties);
        } catch (ModelPullException e) {
            throw new ModelStartupException("Cannot pull model '" + properties.model() + "': " + e.getMessage(), e);
        }
        String name = properties.servedModelName().isBlank()
                ? ModelReference.parse(properties.model()).defaultServedName()
                : properties.servedModelName();
        try {
            return new NodeEngine(properties, name, local);
        } catch (IllegalArgumentException | IllegalStateException | IOException | CudaException e) {
            throw new ModelStartupException("Cannot serve model '" + properties.model() + "' (" + local + "): "
                    + e.getMessage(), e);
        }
    }
}
