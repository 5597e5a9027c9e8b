package io.quantserve.worker.support;

import io.quantserve.store.ArtifactStore;
import io.quantserve.store.ArtifactStoreProperties;
import io.quantserve.store.ArtifactStores;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;

/** The worker's store (filesystem, quantserve.store.root) wrapped in {@link FaultyArtifactStore}. */
@TestConfiguration(proxyBeanMethods = false)
public class FaultyStoreConfig {

    @Bean
    @Primary
    ArtifactStore faultyArtifactStore(Environment environment) {
        ArtifactStoreProperties properties = Binder.get(environment)
                .bind("quantserve.store", ArtifactStoreProperties.class).get();
        return new FaultyArtifactStore(ArtifactStores.create(properties));
    }
}
