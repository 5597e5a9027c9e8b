package io.quantserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class KafkaServerTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldServeATopicAndKeepItsRecordsAcrossARestartOnTheSameFolder() throws Exception {
        String clusterId;
        int port;
        try (KafkaServer kafka = KafkaServer.start(0, dataDir)) {
            clusterId = kafka.clusterId();
            port = kafka.port();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("quantization.jobs", 3, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
                producer.send(new ProducerRecord<>("quantization.jobs", "job-1", "{\"attempt\":1}")).get(60, TimeUnit.SECONDS);
            }
            assertThat(consumeAll(kafka.bootstrapServers(), "quantization.jobs", 1))
                    .containsExactly("job-1={\"attempt\":1}");
        }
        assertThat(dataDir.resolve("meta.properties")).content().contains(clusterId);

        try (KafkaServer again = KafkaServer.start(port, dataDir)) {
            assertThat(again.clusterId()).isEqualTo(clusterId);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", again.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS)).contains("quantization.jobs");
            }
            assertThat(consumeAll(again.bootstrapServers(), "quantization.jobs", 1))
                    .containsExactly("job-1={\"attempt\":1}");
        }
    }

    @Test
    void shouldCommitTransactionsOnOneNode() throws Exception {
        try (KafkaServer kafka = KafkaServer.start(0, dataDir)) {
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "registry-outbox",
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("quantization.events", "job-1", "started"));
                producer.commitTransaction();
            }
            assertThat(consumeAll(kafka.bootstrapServers(), "quantization.events", 1)).containsExactly("job-1=started");
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    /** Reads the topic from the beginning with a new group until {@code expected} records came (or a minute passed). */
    private static List<String> consumeAll(String bootstrap, String topic, int expected) {
        List<String> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    records.add(record.key() + "=" + record.value());
                }
            }
        }
        return records;
    }
}
