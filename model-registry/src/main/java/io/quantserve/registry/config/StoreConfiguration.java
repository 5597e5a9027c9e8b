package io.quantserve.registry.config;

import io.quantserve.store.ArtifactStore;
import io.quantserve.store.ArtifactStoreProperties;
import io.quantserve.store.ArtifactStores;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The artifact store from {@code quantserve.store.*} (shared by every service, so bound here, not annotated). */
@Configuration(proxyBeanMethods = false)
class StoreConfiguration {

    @Bean
    ArtifactStoreProperties artifactStoreProperties(Environment environment) {
        return Binder.get(environment).bind("quantserve.store", ArtifactStoreProperties.class)
                .orElseGet(() -> new ArtifactStoreProperties(null, null, null));
    }

    @Bean
    ArtifactStore artifactStore(ArtifactStoreProperties properties) {
        return ArtifactStores.create(properties);
    }
}
