package io.quantserve.registry.config;

import io.quantserve.contracts.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The registry's Kafka side: the quantization topics, created at start-up (existing ones are left as they are), and
 * the scheduling the outbox relay runs on. {@code quantserve.registry.kafka.enabled=false} turns all of it off (the
 * REST API then still queues jobs in the outbox; nothing relays them).
 */
@Configuration
@EnableScheduling
@ConditionalOnBooleanProperty(name = "quantserve.registry.kafka.enabled", matchIfMissing = true)
class KafkaConfiguration {

    @Bean
    KafkaAdmin.NewTopics quantizationTopics(RegistryProperties properties) {
        RegistryProperties.Kafka kafka = properties.kafka();
        return new KafkaAdmin.NewTopics(
                topic(Topics.QUANTIZATION_JOBS, kafka.partitions(), kafka),
                // the workers dead-letter to any partition (chosen by key), so one is enough
                topic(Topics.QUANTIZATION_JOBS_DLT, 1, kafka),
                topic(Topics.QUANTIZATION_EVENTS, kafka.partitions(), kafka),
                // every worker reads all of it, from the start
                topic(Topics.QUANTIZATION_CONTROL, 1, kafka));
    }

    private static NewTopic topic(String name, int partitions, RegistryProperties.Kafka kafka) {
        return TopicBuilder.name(name).partitions(partitions).replicas(kafka.replicationFactor()).build();
    }
}
