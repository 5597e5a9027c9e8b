package io.quantserve.registry.quantization;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.QuantizationEvent;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What comes back from the workers: job events, applied to the job rows (idempotently: see
 * {@link QuantizationJobService#apply}), and job messages the workers dead-lettered, which fail their job.
 */
@Component
@ConditionalOnBooleanProperty(name = "quantserve.registry.kafka.enabled", matchIfMissing = true)
class QuantizationEventListener {
    private static final Logger log = LoggerFactory.getLogger(QuantizationEventListener.class);

    private final QuantizationJobService jobs;
    private final JsonMapper json;

    QuantizationEventListener(QuantizationJobService jobs, JsonMapper json) {
        this.jobs = jobs;
        this.json = json;
    }

    @KafkaListener(id = "registry-quantization-events", topics = Topics.QUANTIZATION_EVENTS)
    void onEvent(ConsumerRecord<String, String> record) {
        QuantizationEvent event;
        try {
            event = json.readValue(record.value(), QuantizationEvent.class);
        } catch (JacksonException e) {
            // a malformed event cannot be applied now or later: skip it rather than block the partition
            log.warn("ignoring malformed quantization event at {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getOriginalMessage());
            return;
        }
        if (event.jobId() == null || event.type() == null) {
            log.warn("ignoring quantization event without jobId/type at {}-{}@{}", record.topic(),
                    record.partition(), record.offset());
            return;
        }
        jobs.apply(event);
    }

    @KafkaListener(id = "registry-quantization-dead-letters", topics = Topics.QUANTIZATION_JOBS_DLT)
    void onDeadLetter(ConsumerRecord<String, String> record) {
        String jobId = record.key();
        if (jobId == null) {
            log.warn("dead-lettered job message without a job id key at {}@{}", record.partition(), record.offset());
            return;
        }
        String reason = header(record, KafkaHeaders.DLT_EXCEPTION_MESSAGE);
        jobs.markFailed(jobId, "the job message could not be processed"
                + (reason != null ? ": " + reason : " (dead-lettered by a worker)"));
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
