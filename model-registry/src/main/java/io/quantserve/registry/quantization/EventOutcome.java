package io.quantserve.registry.quantization;

/** What {@link QuantizationJobService#apply} did with an event. */
public enum EventOutcome {
    APPLIED,
    /** the job id is unknown (or not a UUID) */
    UNKNOWN_JOB,
    /** the job already succeeded, failed or was cancelled */
    AFTER_TERMINAL,
    /** from an older run than the newest seen */
    STALE_ATTEMPT,
    /** this run's sequence number was already applied */
    DUPLICATE,
    /** an event type this registry does not know */
    UNKNOWN_TYPE
}
