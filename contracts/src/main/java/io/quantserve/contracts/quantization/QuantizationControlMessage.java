package io.quantserve.contracts.quantization;

import java.time.Instant;

/**
 * A request to every worker, on {@code quantization.control} keyed by {@code jobId}. Today only cancellation: a worker
 * running the job stops between layers and reports {@code cancelled}; a worker that receives the job later skips it.
 *
 * @param type     always {@link #CANCEL}
 * @param sequence the registry's outbox row id
 */
public record QuantizationControlMessage(String type, String jobId, int attempt, long sequence, Instant occurredAt) {

    public static final String CANCEL = "quantization.cancel-requested";
}
