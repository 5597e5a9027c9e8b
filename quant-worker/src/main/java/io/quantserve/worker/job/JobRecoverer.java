package io.quantserve.worker.job;

import io.quantserve.contracts.quantization.QuantizationJobMessage;
import io.quantserve.worker.events.EventSender;
import io.quantserve.worker.events.RunEvents;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.stereotype.Component;

/**
 * What happens to a job record the worker gives up on: it goes to {@code quantization.jobs.DLT} (same key, the job
 * id), and when it was a readable job whose retries ran out, {@code failed} is reported with the last error, as the
 * next event of the last run. A record that is not a job message at all only goes to the dead-letter topic (the
 * registry fails the job from there).
 */
@Component
public class JobRecoverer implements ConsumerRecordRecoverer {
    private static final Logger LOG = LoggerFactory.getLogger(JobRecoverer.class);

    private final DeadLetterPublishingRecoverer deadLetters;
    private final EventSender events;
    private final JobMetrics metrics;

    JobRecoverer(DeadLetterPublishingRecoverer deadLetters, EventSender events, JobMetrics metrics) {
        this.deadLetters = deadLetters;
        this.events = events;
        this.metrics = metrics;
    }

    @Override
    public void accept(ConsumerRecord<?, ?> record, Exception exception) {
        LOG.warn("job record {} (key {}) goes to the dead-letter topic: {}", record.offset(), record.key(),
                JobRunner.describe(rootCause(exception)));
        deadLetters.accept(record, exception);
        metrics.counted("dead-lettered");
        if (record.value() instanceof QuantizationJobMessage job && job.jobId() != null) {
            RunEvents run = lastRun(exception);
            (run != null ? run : events.newRun(job.jobId())).failed("gave up after retries: "
                    + JobRunner.describe(rootCause(exception)));
        }
    }

    private static RunEvents lastRun(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RetryableJobException retryable) {
                return retryable.run();
            }
        }
        return null;
    }

    /** The failure under the listener's wrappers. */
    private static Throwable rootCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RetryableJobException retryable) {
                return retryable.getCause();
            }
        }
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
