package io.quantserve.worker.job;

import io.quantserve.worker.control.Cancellations;
import io.quantserve.worker.shutdown.ShutdownSignal;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * The {@code cancelled} check handed to the engine (which looks between layers and throws
 * {@link CancellationException}), also asked by the runner between its own phases; {@link #reason()} says why the
 * job stopped.
 */
final class StopCheck implements BooleanSupplier {

    enum Reason {
        /** The worker is shutting down: no event, no commit; another worker takes the job over. */
        SHUTDOWN,
        /** The job ran past quantserve.worker.max-job-duration. */
        TIMEOUT,
        /** A user cancelled the job. */
        CANCELLED
    }

    private final String jobId;
    private final int jobAttempt;
    private final Cancellations cancellations;
    private final ShutdownSignal shutdown;
    private final long deadlineNanos;

    StopCheck(String jobId, int jobAttempt, Cancellations cancellations, ShutdownSignal shutdown, long deadlineNanos) {
        this.jobId = jobId;
        this.jobAttempt = jobAttempt;
        this.cancellations = cancellations;
        this.shutdown = shutdown;
        this.deadlineNanos = deadlineNanos;
    }

    @Override
    public boolean getAsBoolean() {
        return reason() != null;
    }

    /** Why the job must stop, shutdown first (the next worker still honours a cancellation), or null. */
    Reason reason() {
        if (shutdown.interrupting()) {
            return Reason.SHUTDOWN;
        }
        if (System.nanoTime() - deadlineNanos > 0) {
            return Reason.TIMEOUT;
        }
        return cancellations.isCancelled(jobId, jobAttempt) ? Reason.CANCELLED : null;
    }

    void throwIfStopped(String where) {
        Reason reason = reason();
        if (reason != null) {
            throw new CancellationException(reason + " " + where);
        }
    }
}
