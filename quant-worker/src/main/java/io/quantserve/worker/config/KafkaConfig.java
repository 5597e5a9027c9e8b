package io.quantserve.worker.config;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.QuantizationControlMessage;
import io.quantserve.contracts.quantization.QuantizationEvent;
import io.quantserve.contracts.quantization.QuantizationJobMessage;
import io.quantserve.worker.job.JobRecoverer;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.ContainerProperties.AckMode;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.ExponentialBackOffWithMaxRetries;
import org.springframework.kafka.support.serializer.DelegatingByTypeSerializer;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.kafka.support.serializer.JacksonJsonDeserializer;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;
import org.springframework.util.backoff.FixedBackOff;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Kafka wiring. Connection settings are Spring's own ({@code spring.kafka.*}: SPRING_KAFKA_BOOTSTRAP_SERVERS...);
 * the job consumer's group is {@code spring.kafka.consumer.group-id} (default {@code quant-workers}). Messages are
 * JSON without type headers; the contracts' records fix the types.
 */
@Configuration(proxyBeanMethods = false)
class KafkaConfig {
    /** Headroom between the longest allowed job and the point where Kafka considers the consumer dead. */
    private static final Duration POLL_INTERVAL_MARGIN = Duration.ofMinutes(5);

    @Bean
    ProducerFactory<String, Object> workerProducerFactory(KafkaProperties kafka, JsonMapper json) {
        // byte[]: the raw value of a record that could not be read, sent as it was to the dead-letter topic
        Map<Class<?>, Serializer<?>> byType = new LinkedHashMap<>();
        byType.put(byte[].class, new ByteArraySerializer());
        byType.put(QuantizationEvent.class, new JacksonJsonSerializer<>(json).noTypeInfo());
        byType.put(QuantizationJobMessage.class, new JacksonJsonSerializer<>(json).noTypeInfo());
        return new DefaultKafkaProducerFactory<>(kafka.buildProducerProperties(), new StringSerializer(),
                new DelegatingByTypeSerializer(byType));
    }

    @Bean
    KafkaTemplate<String, Object> workerKafkaTemplate(ProducerFactory<String, Object> producerFactory) {
        return new KafkaTemplate<>(producerFactory);
    }

    @Bean
    DeadLetterPublishingRecoverer deadLetterPublishingRecoverer(KafkaTemplate<String, Object> template) {
        // partition -1: the producer picks it from the key, so the DLT needs no particular partition count
        return new DeadLetterPublishingRecoverer(template,
                (record, e) -> new TopicPartition(Topics.QUANTIZATION_JOBS_DLT, -1));
    }

    @Bean
    ConsumerFactory<String, QuantizationJobMessage> jobConsumerFactory(KafkaProperties kafka, JsonMapper json,
            WorkerProperties worker) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.putIfAbsent(ConsumerConfig.GROUP_ID_CONFIG, "quant-workers");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // one job per poll, and the poll interval must outlast a job, which runs on the listener thread
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                (int) Math.min(Integer.MAX_VALUE, worker.maxJobDuration().plus(POLL_INTERVAL_MARGIN).toMillis()));
        return new DefaultKafkaConsumerFactory<>(config, StringDeserializer::new,
                () -> new ErrorHandlingDeserializer<>(jsonDeserializer(QuantizationJobMessage.class, json)));
    }

    @Bean
    ConcurrentKafkaListenerContainerFactory<String, QuantizationJobMessage> jobListenerFactory(
            ConsumerFactory<String, QuantizationJobMessage> jobConsumerFactory, JobRecoverer recoverer,
            WorkerProperties worker) {
        var factory = new ConcurrentKafkaListenerContainerFactory<String, QuantizationJobMessage>();
        factory.setConsumerFactory(jobConsumerFactory);
        factory.setConcurrency(worker.concurrency());
        // the listener acknowledges a finished job itself; an interrupted one is never acknowledged
        factory.getContainerProperties().setAckMode(AckMode.MANUAL_IMMEDIATE);
        factory.setCommonErrorHandler(jobErrorHandler(recoverer, worker.retry()));
        return factory;
    }

    /** Retries with exponential back-off, then the recoverer; unreadable records are not retried. */
    private static DefaultErrorHandler jobErrorHandler(JobRecoverer recoverer, WorkerProperties.Retry retry) {
        var backOff = new ExponentialBackOffWithMaxRetries(retry.maxAttempts() - 1);
        backOff.setInitialInterval(retry.initialInterval().toMillis());
        backOff.setMultiplier(retry.multiplier());
        backOff.setMaxInterval(retry.maxInterval().toMillis());
        var handler = new DefaultErrorHandler(recoverer, backOff);
        handler.setCommitRecovered(true); // MANUAL_IMMEDIATE: commit the record once it is dead-lettered
        return handler;
    }

    @Bean
    ConcurrentKafkaListenerContainerFactory<String, QuantizationControlMessage> controlListenerFactory(
            KafkaProperties kafka, JsonMapper json, WorkerProperties worker) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "quant-worker-control-" + worker.id());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        var factory = new ConcurrentKafkaListenerContainerFactory<String, QuantizationControlMessage>();
        factory.setConsumerFactory(new DefaultKafkaConsumerFactory<>(config, StringDeserializer::new,
                () -> new ErrorHandlingDeserializer<>(jsonDeserializer(QuantizationControlMessage.class, json))));
        // never acknowledged: the listener reads the topic from its beginning at every assignment
        factory.getContainerProperties().setAckMode(AckMode.MANUAL);
        factory.setCommonErrorHandler(new DefaultErrorHandler(new FixedBackOff(0, 0))); // log an unreadable one, go on
        return factory;
    }

    private static <T> JacksonJsonDeserializer<T> jsonDeserializer(Class<T> type, JsonMapper json) {
        JsonMapper lenient = json.rebuild().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        return new JacksonJsonDeserializer<>(type, lenient, false);
    }

    @Bean
    NewTopic quantizationJobsTopic() {
        return TopicBuilder.name(Topics.QUANTIZATION_JOBS).partitions(6).build();
    }

    @Bean
    NewTopic quantizationJobsDeadLetterTopic() {
        return TopicBuilder.name(Topics.QUANTIZATION_JOBS_DLT).partitions(1).build();
    }

    @Bean
    NewTopic quantizationEventsTopic() {
        return TopicBuilder.name(Topics.QUANTIZATION_EVENTS).partitions(6).build();
    }

    @Bean
    NewTopic quantizationControlTopic() {
        return TopicBuilder.name(Topics.QUANTIZATION_CONTROL).partitions(1).build();
    }
}
