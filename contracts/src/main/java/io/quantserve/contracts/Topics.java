package io.quantserve.contracts;

/** Kafka topic names shared by the registry and the workers. */
public final class Topics {
    /** Jobs to run, keyed by job id: {@link io.quantserve.contracts.quantization.QuantizationJobMessage}. */
    public static final String QUANTIZATION_JOBS = "quantization.jobs";
    /** Job messages a worker could not process after its retries (poison messages, repeated failures). */
    public static final String QUANTIZATION_JOBS_DLT = "quantization.jobs.DLT";
    /** What workers report, keyed by job id: {@link io.quantserve.contracts.quantization.QuantizationEvent}. */
    public static final String QUANTIZATION_EVENTS = "quantization.events";
    /**
     * Requests every worker must see (each reads it in its own consumer group), keyed by job id:
     * {@link io.quantserve.contracts.quantization.QuantizationControlMessage}.
     */
    public static final String QUANTIZATION_CONTROL = "quantization.control";

    private Topics() {
    }
}
