package io.quantserve.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quantserve.engine.serve.EngineStats;
import io.quantserve.node.engine.NodeEngine;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.springframework.stereotype.Component;

/**
 * The node's Prometheus metrics (at {@code /metrics}), named and bucketed like vLLM's: latency histograms recorded
 * per finished choice, gauges and counters read from the engine's latest stats snapshot.
 */
@Component
public class ServingMetrics {
    private static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
            1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0};
    private static final double[] TPOT_BUCKETS = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0,
            2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
    private static final double[] REQUEST_BUCKETS = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0,
            40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0};

    private final MeterRegistry registry;
    private final Timer timeToFirstToken;
    private final Timer timePerOutputToken;
    private final Timer e2eLatency;
    private final Timer queueTime;

    public ServingMetrics(MeterRegistry registry, NodeEngine engine) {
        this.registry = registry;
        timeToFirstToken = histogram("quantserve.time_to_first_token", "Time to first token", TTFT_BUCKETS);
        timePerOutputToken = histogram("quantserve.time_per_output_token", "Time per output token after the first",
                TPOT_BUCKETS);
        e2eLatency = histogram("quantserve.e2e_request_latency", "Arrival to last token", REQUEST_BUCKETS);
        queueTime = histogram("quantserve.request_queue_time", "Arrival to first scheduled", REQUEST_BUCKETS);

        gauge("quantserve.num_requests_running", "Sequences in the running batch", engine, s -> s.running());
        gauge("quantserve.num_requests_waiting", "Sequences waiting to be scheduled", engine, s -> s.waiting());
        gauge("quantserve.kv_cache_usage_ratio", "Fraction of KV cache blocks in use", engine, EngineStats::kvCacheUsage);
        gauge("quantserve.prefix_cache_hit_rate", "Prompt tokens found in the prefix cache / tokens looked up",
                engine, s -> s.prefixCacheQueries() == 0 ? 0 : (double) s.prefixCacheHits() / s.prefixCacheQueries());
        counter("quantserve.prompt_tokens", "Prefilled prompt tokens", engine, EngineStats::promptTokens);
        counter("quantserve.generation_tokens", "Generated tokens", engine, EngineStats::generationTokens);
        counter("quantserve.num_preemptions", "Sequences preempted for lack of KV cache", engine,
                EngineStats::preemptions);
        counter("quantserve.prefix_cache_queries", "Prompt tokens looked up in the prefix cache", engine,
                EngineStats::prefixCacheQueries);
        counter("quantserve.prefix_cache_hits", "Prompt tokens found in the prefix cache", engine,
                EngineStats::prefixCacheHits);
        counter("quantserve.spec_decode_num_drafts", "Speculative decoding: decode steps that verified drafted tokens",
                engine, EngineStats::specDrafts);
        counter("quantserve.spec_decode_num_draft_tokens", "Speculative decoding: drafted tokens verified", engine,
                EngineStats::specDraftTokens);
        counter("quantserve.spec_decode_num_accepted_tokens", "Speculative decoding: drafted tokens accepted", engine,
                EngineStats::specAcceptedTokens);
    }

    private Timer histogram(String name, String description, double[] bucketsSeconds) {
        return Timer.builder(name)
                .description(description)
                .serviceLevelObjectives(Arrays.stream(bucketsSeconds)
                        .mapToObj(s -> Duration.ofNanos((long) (s * 1e9)))
                        .toArray(Duration[]::new))
                .register(registry);
    }

    private void gauge(String name, String description, NodeEngine engine, ToDoubleFunction<EngineStats> value) {
        Gauge.builder(name, engine, e -> value.applyAsDouble(e.stats())).description(description).register(registry);
    }

    private void counter(String name, String description, NodeEngine engine, ToDoubleFunction<EngineStats> value) {
        FunctionCounter.builder(name, engine, e -> value.applyAsDouble(e.stats())).description(description)
                .register(registry);
    }

    /**
     * One finished choice.
     *
     * @param firstTokenNanos arrival to first token, -1 if none came
     * @param queueNanos      arrival to first scheduled, -1 if it never ran
     */
    public void recordChoice(long queueNanos, long firstTokenNanos, long e2eNanos, int outputTokens, String reason) {
        if (queueNanos >= 0) {
            queueTime.record(queueNanos, TimeUnit.NANOSECONDS);
        }
        if (firstTokenNanos >= 0) {
            timeToFirstToken.record(firstTokenNanos, TimeUnit.NANOSECONDS);
            if (outputTokens > 1) {
                timePerOutputToken.record((e2eNanos - firstTokenNanos) / (outputTokens - 1), TimeUnit.NANOSECONDS);
            }
        }
        e2eLatency.record(e2eNanos, TimeUnit.NANOSECONDS);
        Counter.builder("quantserve.requests_finished")
                .description("Finished requests (choices) by finish reason")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }
}
