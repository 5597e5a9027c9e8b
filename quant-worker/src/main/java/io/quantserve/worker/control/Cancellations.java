package io.quantserve.worker.control;

import io.quantserve.contracts.quantization.QuantizationControlMessage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The jobs cancelled so far, learnt from {@code quantization.control} (read from its beginning at every start).
 * A cancellation covers the job's queued attempts up to the one it names, so a job the registry queues again
 * after a cancellation runs; a cancellation without an attempt covers them all.
 */
@Component
public class Cancellations {
    private final Map<String, Integer> cancelledUpTo = new ConcurrentHashMap<>();

    void record(QuantizationControlMessage message) {
        if (message == null || message.jobId() == null || !QuantizationControlMessage.CANCEL.equals(message.type())) {
            return;
        }
        int attempt = message.attempt() > 0 ? message.attempt() : Integer.MAX_VALUE;
        cancelledUpTo.merge(message.jobId(), attempt, Math::max);
    }

    /** @param attempt the registry's attempt number from the job message */
    public boolean isCancelled(String jobId, int attempt) {
        Integer upTo = cancelledUpTo.get(jobId);
        return upTo != null && attempt <= upTo;
    }
}
