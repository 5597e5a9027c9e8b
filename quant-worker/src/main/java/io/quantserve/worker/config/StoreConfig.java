package io.quantserve.worker.config;

import io.quantserve.store.ArtifactStore;
import io.quantserve.store.ArtifactStoreProperties;
import io.quantserve.store.ArtifactStores;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The artifact store shared with the registry, described by {@code quantserve.store.*}. */
@Configuration(proxyBeanMethods = false)
class StoreConfig {

    @Bean
    ArtifactStore artifactStore(Environment environment) {
        ArtifactStoreProperties properties = Binder.get(environment)
                .bind("quantserve.store", ArtifactStoreProperties.class)
                .orElseGet(() -> new ArtifactStoreProperties(null, null, null));
        return ArtifactStores.create(properties);
    }
}
