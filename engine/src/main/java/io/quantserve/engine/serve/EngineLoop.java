package io.quantserve.engine.serve;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an {@link EngineCore} on one daemon thread: step while there is work, block while idle. Submit through
 * {@link #core()}; {@link #close()} stops the thread and ends whatever is still in flight with ERROR.
 */
public final class EngineLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EngineLoop.class);

    private final EngineCore core;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Throwable failure;

    public EngineLoop(EngineCore core) {
        this.core = core;
        this.thread = Thread.ofPlatform().name("quantserve-engine").daemon().unstarted(this::loop);
        thread.start();
    }

    public EngineCore core() {
        return core;
    }

    private void loop() {
        try {
            while (!closed) {
                core.awaitWork();
                core.step();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // a failed forward leaves the cache in an unknown state: end everything rather than hang the clients
            log.error("engine step failed; failing all requests", e);
            failure = e;
            core.failAll("engine failure: " + e);
            return;
        }
        core.failAll("engine stopped");
    }

    /** What ended the loop by failing (a step threw); null while it runs or after a plain {@link #close()}. */
    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.interrupt();
        thread.join();
    }
}
