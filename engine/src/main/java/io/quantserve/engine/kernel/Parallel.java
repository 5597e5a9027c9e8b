package io.quantserve.engine.kernel;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Splits an index range across one shared fixed pool of daemon threads, one per core. The caller works on the range
 * too and waits only for chunks, never for a helper to start, so a busy pool (another model instance calling at the
 * same time) delays a call rather than deadlocking it.
 */
public final class Parallel {
    @FunctionalInterface
    public interface IntRangeBody {
        void run(int from, int to);
    }

    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    /** A few chunks per thread even out cores that another process or a slower core holds back. */
    private static final int CHUNKS_PER_THREAD = 4;
    private static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, new WorkerFactory());
    /** Set while a calling thread works on its own job, so that kernels it calls inside run inline too. */
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);

    private Parallel() {
    }

    public static int threads() {
        return THREADS;
    }

    /** Runs body over [0, n) in chunks of at least minChunk indices; returns when every chunk has finished. */
    public static void forRange(int n, int minChunk, IntRangeBody body) {
        int chunks = Math.min(n / Math.max(1, minChunk), THREADS * CHUNKS_PER_THREAD);
        // A pool thread that calls back in would wait on work queued behind itself, so nested calls run inline.
        if (chunks <= 1 || THREADS == 1 || Thread.currentThread() instanceof Worker || INSIDE.get()) {
            body.run(0, n);
            return;
        }
        Job job = new Job(n, chunks, body);
        for (int i = Math.min(THREADS, chunks) - 1; i > 0; i--) {
            POOL.execute(job::work);
        }
        INSIDE.set(true);
        try {
            job.work();
        } finally {
            INSIDE.set(false);
        }
        job.await();
    }

    private static final class Job {
        private final int n;
        private final int chunks;
        private final IntRangeBody body;
        private final AtomicInteger next = new AtomicInteger();
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int n, int chunks, IntRangeBody body) {
            this.n = n;
            this.chunks = chunks;
            this.body = body;
            this.done = new CountDownLatch(chunks);
        }

        void work() {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        body.run(start(c), start(c + 1));
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            }
        }

        private int start(int chunk) {
            return (int) ((long) n * chunk / chunks);
        }

        /** Uninterruptible: returning early would leave helpers still writing into the caller's arrays. */
        void await() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }

    private static final class Worker extends Thread {
        Worker(Runnable task, String name) {
            super(task, name);
            setDaemon(true);
        }
    }

    private static final class WorkerFactory implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            return new Worker(task, "quantserve-kernel-" + count.incrementAndGet());
        }
    }
}
