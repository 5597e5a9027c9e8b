package io.quantserve.engine.kernel;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits an index range across the calling thread and one helper thread per other core. The caller works on its own
 * range too and waits only for chunks a helper has already taken, never for a helper to start, so a busy helper
 * (another model instance calling at the same time) delays a call rather than deadlocking it.
 *
 * <p>A helper that runs out of work keeps polling for the next job for {@link #SPIN_NANOS} before it parks: a
 * decode step calls this a few hundred times, microseconds apart, and waking a parked thread took 40-50 µs on a
 * 2-core VM, as long as a whole small matmul, so two cores ran decode only 1.4 times faster than one.
 */
public final class Parallel {
    @FunctionalInterface
    public interface IntRangeBody {
        void run(int from, int to);
    }

    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    /** A few chunks per thread even out cores that another process or a slower core holds back. */
    private static final int CHUNKS_PER_THREAD = 4;
    /** Long enough to bridge the gaps between the matmuls of a decode step, short enough to cost nothing idle. */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    /** Jobs whose callers are still working on them; helpers take chunks from the oldest with chunks left. */
    private static final ConcurrentLinkedQueue<Job> JOBS = new ConcurrentLinkedQueue<>();
    private static final Helper[] HELPERS = startHelpers(THREADS - 1);
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
        // A helper that calls back in would wait on chunks only it can run, so nested calls run inline.
        if (chunks <= 1 || THREADS == 1 || Thread.currentThread() instanceof Helper || INSIDE.get()) {
            body.run(0, n);
            return;
        }
        Job job = new Job(n, chunks, body);
        JOBS.add(job);
        for (Helper helper : HELPERS) {
            helper.wake();
        }
        INSIDE.set(true);
        try {
            job.work();
        } finally {
            INSIDE.set(false);
            JOBS.remove(job);
        }
        job.await();
    }

    /** The oldest job with a chunk left, or null. */
    private static Job nextJob() {
        Job head = JOBS.peek();
        if (head == null || head.hasChunks()) {
            return head;
        }
        for (Job job : JOBS) {
            if (job.hasChunks()) {
                return job;
            }
        }
        return null;
    }

    private static Helper[] startHelpers(int count) {
        Helper[] helpers = new Helper[count];
        for (int i = 0; i < count; i++) {
            helpers[i] = new Helper("quantserve-kernel-" + (i + 1));
            helpers[i].start();
        }
        return helpers;
    }

    private static final class Job {
        private final int n;
        private final int chunks;
        private final IntRangeBody body;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int n, int chunks, IntRangeBody body) {
            this.n = n;
            this.chunks = chunks;
            this.body = body;
        }

        boolean hasChunks() {
            return next.get() < chunks;
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
                    finished.incrementAndGet();
                }
            }
        }

        private int start(int chunk) {
            return (int) ((long) n * chunk / chunks);
        }

        /**
         * Waits for the chunks helpers took: polling at first (they are mid-chunk and finish within microseconds),
         * then in 20 µs sleeps (a helper the OS descheduled). Uninterruptible: returning early would leave helpers
         * still writing into the caller's arrays; an interrupt stays set for the caller.
         */
        void await() {
            long start = System.nanoTime();
            while (finished.get() < chunks) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(20_000);
                }
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

    private static final class Helper extends Thread {
        private volatile boolean parked;

        Helper(String name) {
            super(name);
            setDaemon(true);
        }

        /** Called after a job was queued; the queue write and this read pair with run's parked write and re-check. */
        void wake() {
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (true) {
                Job job = nextJob();
                if (job != null) {
                    job.work();
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (nextJob() == null) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}
