package io.quantserve.worker.support;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.QuantizationControlMessage;
import io.quantserve.contracts.quantization.QuantizationEvent;
import io.quantserve.contracts.quantization.QuantizationJobMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The registry's side of the conversation, for tests: sends jobs and cancellations as JSON text, reads back the
 * events and the dead-letter topic, and asks the broker for the workers' committed offsets.
 */
public final class KafkaHarness implements AutoCloseable {
    private final String bootstrap;
    private final JsonMapper json;
    private final KafkaProducer<String, String> producer;
    private final TopicReader events;
    private final TopicReader deadLetters;

    public KafkaHarness(String bootstrap, JsonMapper json) {
        this.bootstrap = bootstrap;
        this.json = json;
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new StringSerializer());
        this.events = new TopicReader(bootstrap, Topics.QUANTIZATION_EVENTS);
        this.deadLetters = new TopicReader(bootstrap, Topics.QUANTIZATION_JOBS_DLT);
    }

    public static QuantizationJobMessage job(String jobId, String sourceKey, String method, int bits, int groupSize,
            Map<String, String> options) {
        return new QuantizationJobMessage(QuantizationJobMessage.TYPE, jobId, 1, 1, Instant.now(), "model-" + jobId,
                "tiny test model", sourceKey, method, bits, groupSize, options, null, "art-" + jobId);
    }

    public RecordMetadata send(QuantizationJobMessage job) {
        return sendText(Topics.QUANTIZATION_JOBS, job.jobId(), json.writeValueAsString(job));
    }

    public void cancel(String jobId) {
        sendText(Topics.QUANTIZATION_CONTROL, jobId, json.writeValueAsString(new QuantizationControlMessage(
                QuantizationControlMessage.CANCEL, jobId, 1, 99, Instant.now())));
    }

    public RecordMetadata sendText(String topic, String key, String value) {
        try {
            return producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("could not send to " + topic, e);
        }
    }

    /** Every event of the job seen so far, in (attempt, sequence) order. */
    public List<QuantizationEvent> events(String jobId) {
        return events.poll().stream().filter(r -> jobId.equals(r.key()))
                .map(r -> json.readValue(r.value(), QuantizationEvent.class))
                .sorted(Comparator.comparingLong(QuantizationEvent::attempt)
                        .thenComparingLong(QuantizationEvent::sequence))
                .toList();
    }

    public Optional<QuantizationEvent> terminal(String jobId) {
        return events(jobId).stream().filter(QuantizationEvent::terminal).findFirst();
    }

    public List<ConsumerRecord<String, String>> deadLetters(String key) {
        return deadLetters.poll().stream().filter(r -> key.equals(r.key())).toList();
    }

    /** The offset the group has committed for the record's partition, -1 when none. */
    public long committed(String group, RecordMetadata record) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata offset = offsets.get(new TopicPartition(record.topic(), record.partition()));
            return offset == null ? -1 : offset.offset();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("could not read the offsets of group " + group, e);
        }
    }

    @Override
    public void close() {
        producer.close();
        events.close();
        deadLetters.close();
    }

    /** Reads a whole topic from its beginning, without a consumer group. */
    private static final class TopicReader implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private final String topic;
        private final List<ConsumerRecord<String, String>> seen = new ArrayList<>();

        TopicReader(String bootstrap, String topic) {
            this.topic = topic;
            this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new StringDeserializer());
        }

        synchronized List<ConsumerRecord<String, String>> poll() {
            // partitions may be added after the first look (the worker's topic declarations), so look every time
            Set<TopicPartition> assigned = new HashSet<>(consumer.assignment());
            List<TopicPartition> added = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).filter(p -> !assigned.contains(p)).toList();
            if (!added.isEmpty()) {
                assigned.addAll(added);
                consumer.assign(assigned);
                consumer.seekToBeginning(added);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            return List.copyOf(seen);
        }

        @Override
        public synchronized void close() {
            consumer.close();
        }
    }
}
