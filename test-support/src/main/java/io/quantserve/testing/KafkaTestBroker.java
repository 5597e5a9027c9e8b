package io.quantserve.testing;

import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker for one test class: Testcontainers' Kafka where Docker runs, else spring-kafka-test's
 * in-process KRaft broker. {@code QUANTSERVE_TEST_KAFKA=embedded|docker} forces one.
 *
 * <pre>{@code
 * static final KafkaTestBroker KAFKA = KafkaTestBroker.start();
 * @DynamicPropertySource static void kafka(DynamicPropertyRegistry r) {
 *     r.add("spring.kafka.bootstrap-servers", KAFKA::bootstrapServers); }
 * }</pre>
 */
public final class KafkaTestBroker implements AutoCloseable {
    private final String bootstrapServers;
    private final AutoCloseable stop;

    private KafkaTestBroker(String bootstrapServers, AutoCloseable stop) {
        this.bootstrapServers = bootstrapServers;
        this.stop = stop;
        Runtime.getRuntime().addShutdownHook(new Thread(this::close));
    }

    public static KafkaTestBroker start() {
        if (Docker.use("QUANTSERVE_TEST_KAFKA")) {
            KafkaContainer container = new KafkaContainer("apache/kafka:4.2.1");
            container.start();
            return new KafkaTestBroker(container.getBootstrapServers(), container::stop);
        }
        EmbeddedKafkaBroker broker = new EmbeddedKafkaKraftBroker(1, 1)
                // a consumer group's first member gets its partitions at once, not after Kafka's 3 s delay
                .brokerProperty("group.initial.rebalance.delay.ms", "0");
        broker.afterPropertiesSet();
        return new KafkaTestBroker(broker.getBrokersAsString(), broker::destroy);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public synchronized void close() {
        try {
            stop.close();
        } catch (Exception ignored) {
            // stopping twice (close, then the shutdown hook) or a broker already gone
        }
    }
}
