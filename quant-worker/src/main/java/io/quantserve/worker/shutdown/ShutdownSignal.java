package io.quantserve.worker.shutdown;

import org.springframework.stereotype.Component;

/** Raised when the shutdown grace period is over: running jobs stop at their next check and are left to others. */
@Component
public class ShutdownSignal {
    private volatile boolean interrupting;

    void interruptJobs() {
        interrupting = true;
    }

    public boolean interrupting() {
        return interrupting;
    }
}
