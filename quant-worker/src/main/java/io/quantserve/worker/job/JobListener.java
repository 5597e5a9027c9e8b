package io.quantserve.worker.job;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.QuantizationJobMessage;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.stereotype.Component;

/**
 * Takes jobs from {@code quantization.jobs} in the shared group {@code quant-workers} and runs each on the listener
 * thread. The offset is committed only once the job is finished (succeeded, failed for good, cancelled); a job
 * interrupted by shutdown, or a worker killed mid-job, leaves it uncommitted, so the group redelivers the job.
 */
@Component
public class JobListener {
    /** The listener container's id. */
    public static final String ID = "quantization-jobs";

    private final JobRunner runner;

    JobListener(JobRunner runner) {
        this.runner = runner;
    }

    @KafkaListener(id = ID, idIsGroup = false, topics = Topics.QUANTIZATION_JOBS,
            containerFactory = "jobListenerFactory")
    void onJob(QuantizationJobMessage job, Acknowledgment ack) {
        if (runner.run(job)) {
            ack.acknowledge();
        }
    }
}
