package io.quantserve.engine.benchserve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/** Sends a workload on its arrival schedule, at most {@code maxConcurrency} requests in flight, and collects results. */
public final class ServingBenchmark {

    /** The outcome of a run: one result per request, in dataset order, and the wall time of the whole run. */
    public record Run(List<RequestResult> results, double durationSeconds) {
    }

    private ServingBenchmark() {
    }

    /**
     * Runs the workload. Requests are released at their scheduled offsets whatever the server does (an open-loop
     * client, as in vLLM); the concurrency cap then makes released requests wait for a free slot, so at most
     * {@code maxConcurrency} (0 = no cap) are ever in flight.
     */
    public static Run run(OpenAiStreamClient client, List<BenchRequest> requests, double[] offsetsSeconds,
            int maxConcurrency) throws InterruptedException {
        if (offsetsSeconds.length != requests.size()) {
            throw new IllegalArgumentException("one arrival offset per request");
        }
        Semaphore slots = maxConcurrency > 0 ? new Semaphore(maxConcurrency, true) : null;
        List<Future<RequestResult>> futures = new ArrayList<>(requests.size());
        long start = System.nanoTime();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < requests.size(); i++) {
                sleepUntil(start + (long) (offsetsSeconds[i] * 1e9));
                BenchRequest request = requests.get(i);
                futures.add(executor.submit(() -> sendInSlot(client, request, slots)));
            }
        } // close() waits for every request
        double duration = (System.nanoTime() - start) / 1e9;
        List<RequestResult> results = new ArrayList<>(futures.size());
        for (Future<RequestResult> future : futures) {
            try {
                results.add(future.get());
            } catch (ExecutionException e) {
                // send() turns every I/O problem into a failed result; anything else is a bug worth surfacing.
                throw new IllegalStateException("request task failed", e.getCause());
            }
        }
        return new Run(results, duration);
    }

    private static RequestResult sendInSlot(OpenAiStreamClient client, BenchRequest request, Semaphore slots)
            throws InterruptedException {
        if (slots == null) {
            return client.send(request);
        }
        slots.acquire();
        try {
            return client.send(request);
        } finally {
            slots.release();
        }
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long remaining;
        while ((remaining = deadlineNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
