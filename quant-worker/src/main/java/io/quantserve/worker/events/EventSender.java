package io.quantserve.worker.events;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.QuantizationEvent;
import io.quantserve.worker.config.WorkerProperties;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/** Sends job events to {@code quantization.events}, keyed by job id so one job's events stay in order. */
@Component
public class EventSender {
    private static final Logger LOG = LoggerFactory.getLogger(EventSender.class);
    /** Longer than the producer's own delivery timeout would be pointless; shorter keeps a dead broker visible. */
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaTemplate<String, Object> kafka;
    private final WorkerProperties properties;

    EventSender(KafkaTemplate<String, Object> kafka, WorkerProperties properties) {
        this.kafka = kafka;
        this.properties = properties;
    }

    /** Events of a new run of the job, numbered from 1; the run's attempt is the current time. */
    public RunEvents newRun(String jobId) {
        return new RunEvents(this, jobId, properties.id(), System.currentTimeMillis(), properties.progressInterval());
    }

    /** Waits until the broker has the event: a terminal event must be stored before the job's offset is committed. */
    void sendAndWait(QuantizationEvent event) {
        try {
            kafka.send(Topics.QUANTIZATION_EVENTS, event.jobId(), event).get(SEND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while sending " + event.type() + " of job " + event.jobId(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("could not send " + event.type() + " of job " + event.jobId()
                    + " to " + Topics.QUANTIZATION_EVENTS, e);
        }
    }

    /** Progress is advisory: a lost one is replaced by the next, so it is not waited for. */
    void sendQuietly(QuantizationEvent event) {
        kafka.send(Topics.QUANTIZATION_EVENTS, event.jobId(), event).whenComplete((result, error) -> {
            if (error != null) {
                LOG.warn("progress event {} of job {} not sent: {}", event.sequence(), event.jobId(), error.toString());
            }
        });
    }
}
