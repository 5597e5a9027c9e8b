package io.quantserve.registry.outbox;

import io.quantserve.registry.config.RegistryProperties;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends outbox rows to Kafka in id order and stamps them sent, in one transaction per batch: rows are locked while
 * they are sent (a second registry instance skips them), and a crash after sending but before the commit sends them
 * again on the next pass — at least once, which the consumers' attempt/sequence checks make harmless.
 */
@Component
@ConditionalOnBooleanProperty(name = "quantserve.registry.kafka.enabled", matchIfMissing = true)
class OutboxRelay {
    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final OutboxRepository repository;
    private final KafkaTemplate<String, String> kafka;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final RegistryProperties.Kafka settings;

    OutboxRelay(OutboxRepository repository, KafkaTemplate<String, String> kafka, TransactionTemplate transaction,
            Clock clock, RegistryProperties properties) {
        this.repository = repository;
        this.kafka = kafka;
        this.transaction = transaction;
        this.clock = clock;
        this.settings = properties.kafka();
    }

    @Scheduled(fixedDelayString = "${quantserve.registry.kafka.relay-interval:250ms}")
    void relayPending() {
        try {
            int sent;
            do {
                sent = transaction.execute(status -> relayBatch());
            } while (sent == settings.relayBatchSize());
        } catch (RuntimeException e) {
            // the rows stay unsent and go out on a later pass
            log.warn("outbox relay: {}", e.getMessage());
        }
    }

    private int relayBatch() {
        List<OutboxMessage> batch = repository.lockUnsent(settings.relayBatchSize());
        if (batch.isEmpty()) {
            return 0;
        }
        List<CompletableFuture<?>> sends = new ArrayList<>(batch.size());
        for (OutboxMessage m : batch) {
            sends.add(kafka.send(m.getTopic(), m.getMessageKey(), m.getPayload()));
        }
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                    .get(settings.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("sending outbox rows " + batch.getFirst().getId() + ".."
                    + batch.getLast().getId() + " to Kafka failed: " + e.getMessage(), e);
        }
        repository.markSent(batch.stream().map(OutboxMessage::getId).toList(), clock.instant());
        return batch.size();
    }
}
