package io.quantserve.registry.config;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

@Configuration(proxyBeanMethods = false)
class ImportExecutorConfiguration {

    /** Bounded: at most {@code concurrency} imports download at once, {@code queueCapacity} wait. */
    @Bean
    ThreadPoolTaskExecutor modelImportExecutor(RegistryProperties properties) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(properties.imports().concurrency());
        executor.setMaxPoolSize(properties.imports().concurrency());
        executor.setQueueCapacity(properties.imports().queueCapacity());
        executor.setThreadNamePrefix("model-import-");
        executor.setWaitForTasksToCompleteOnShutdown(false);
        return executor;
    }
}
