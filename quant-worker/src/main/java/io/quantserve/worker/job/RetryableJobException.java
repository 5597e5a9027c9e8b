package io.quantserve.worker.job;

import io.quantserve.worker.events.RunEvents;

/**
 * A failure that another try may not have (I/O, store or broker unreachable). The error handler redelivers the job
 * with back-off; once the attempts are used up the recoverer reports {@code failed} in the events of the last run.
 */
public final class RetryableJobException extends RuntimeException {
    private final transient RunEvents run;

    RetryableJobException(RunEvents run, Throwable cause) {
        super("job " + run.jobId() + ": " + JobRunner.describe(cause), cause);
        this.run = run;
    }

    public RunEvents run() {
        return run;
    }
}
