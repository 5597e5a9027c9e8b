package io.quantserve.registry.outbox;

import java.time.Clock;
import java.util.function.LongFunction;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes messages to the outbox table in the caller's transaction (there must be one), so a message exists exactly
 * when the change that caused it was committed. A relay sends the rows to Kafka afterwards.
 */
@Component
public class Outbox {
    private final OutboxRepository repository;
    private final JsonMapper json;
    private final Clock clock;

    public Outbox(OutboxRepository repository, JsonMapper json, Clock clock) {
        this.repository = repository;
        this.json = json;
        this.clock = clock;
    }

    /** Adds {@code message}, serialized as JSON, for {@code topic} keyed by {@code key}; returns the row id. */
    @Transactional(propagation = Propagation.MANDATORY)
    public long add(String topic, String key, Object message) {
        return add(topic, key, sequence -> message);
    }

    /**
     * Adds the message that {@code messageForSequence} builds from the new row's id (messages carry it as their
     * {@code sequence}); returns that id.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public long add(String topic, String key, LongFunction<?> messageForSequence) {
        // the identity id exists only after the insert: insert first, then write the payload that carries it
        OutboxMessage row = repository.saveAndFlush(new OutboxMessage(topic, key, "{}", clock.instant()));
        row.setPayload(json.writeValueAsString(messageForSequence.apply(row.getId())));
        return row.getId();
    }
}
