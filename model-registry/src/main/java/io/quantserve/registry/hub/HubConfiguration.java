package io.quantserve.registry.hub;

import io.quantserve.hub.HubClient;
import io.quantserve.registry.config.RegistryProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class HubConfiguration {

    @Bean
    HubClient hubClient(RegistryProperties properties) {
        RegistryProperties.Hub hub = properties.hub();
        return new HubClient(hub.endpoint(), hub.token(), hub.connectTimeout(), hub.readTimeout(), hub.retries());
    }
}
