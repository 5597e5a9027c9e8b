package io.quantserve.worker.shutdown;

import io.quantserve.worker.config.WorkerProperties;
import io.quantserve.worker.job.JobListener;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.stereotype.Component;

/**
 * On SIGTERM (context close) the job consumer stops taking records while a running job goes on for the grace
 * period. A job still running then is interrupted through its {@code cancelled} check (between layers): it sends no
 * event and its offset is not committed, so the consumer group hands the record to another worker. This runs before
 * the listener containers' own stop (a higher phase stops first) and blocks the closing thread meanwhile, so the
 * event producer is still there for a job that finishes within the grace period.
 */
@Component
class GracefulJobShutdown implements SmartLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(GracefulJobShutdown.class);

    private final KafkaListenerEndpointRegistry listeners;
    private final ShutdownSignal signal;
    private final Duration grace;
    private volatile boolean running;

    GracefulJobShutdown(KafkaListenerEndpointRegistry listeners, ShutdownSignal signal, WorkerProperties properties) {
        this.listeners = listeners;
        this.signal = signal;
        this.grace = properties.shutdownGracePeriod();
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        MessageListenerContainer jobs = listeners.getListenerContainer(JobListener.ID);
        if (jobs == null || !jobs.isRunning()) {
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        jobs.stop(stopped::countDown);
        try {
            if (stopped.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            LOG.warn("a job is still running after the shutdown grace period of {}: interrupting it; it will be"
                    + " delivered to another worker", grace);
            signal.interruptJobs();
            if (!stopped.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("the job did not reach a layer boundary within another {}; closing anyway (its record stays"
                        + " uncommitted)", grace);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop(Runnable callback) {
        stop();
        callback.run();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops before the listener containers (phase {@code Integer.MAX_VALUE - 100}). */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
