package io.quantserve.worker.control;

import io.quantserve.contracts.Topics;
import io.quantserve.contracts.quantization.QuantizationControlMessage;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.stereotype.Component;

/**
 * Every worker reads all control messages in a consumer group of its own and starts from the beginning of the topic
 * each time it is assigned a partition: the cancellations live in memory, so a worker started later (or restarted)
 * still learns of earlier ones. Its offsets are never committed.
 */
@Component
class ControlListener implements ConsumerSeekAware {
    static final String ID = "quantization-control";
    private static final Logger LOG = LoggerFactory.getLogger(ControlListener.class);

    private final Cancellations cancellations;

    ControlListener(Cancellations cancellations) {
        this.cancellations = cancellations;
    }

    @KafkaListener(id = ID, idIsGroup = false, topics = Topics.QUANTIZATION_CONTROL,
            containerFactory = "controlListenerFactory")
    void onControl(QuantizationControlMessage message) {
        LOG.info("control {} for job {} (attempt {})", message.type(), message.jobId(), message.attempt());
        cancellations.record(message);
    }

    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        callback.seekToBeginning(assignments.keySet());
    }
}
