package io.quantserve.node.engine;

import io.quantserve.node.artifact.ModelPuller;
import io.quantserve.node.artifact.ModelReference;
import io.quantserve.node.config.NodeProperties;
import java.nio.file.Path;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Start-up: pull the model reference into the local cache, then load and warm the engine on it. */
@Configuration
class NodeConfiguration {

    @Bean
    NodeEngine nodeEngine(NodeProperties properties, ModelPuller puller) throws Exception {
        Path local = puller.resolve(properties);
        String name = properties.servedModelName().isBlank()
                ? ModelReference.parse(properties.model()).defaultServedName()
                : properties.servedModelName();
        return new NodeEngine(properties, name, local);
    }
}
