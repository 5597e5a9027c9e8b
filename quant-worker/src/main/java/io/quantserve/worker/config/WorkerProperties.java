package io.quantserve.worker.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The worker's settings, {@code quantserve.worker.*} (environment: {@code QUANTSERVE_WORKER_*}).
 *
 * @param workDir             local cache of source models and job outputs ({@code QUANTSERVE_WORKER_WORKDIR})
 * @param id                  names this worker in events and in its control consumer group
 *                            ({@code QUANTSERVE_WORKER_ID}); default host name + pid
 * @param concurrency         jobs run at once by this process, one per listener thread
 *                            ({@code QUANTSERVE_WORKER_CONCURRENCY})
 * @param progressInterval    progress events at most this often, besides one per phase change
 *                            ({@code QUANTSERVE_WORKER_PROGRESSINTERVAL})
 * @param retry               back-off for retryable failures (I/O, store unreachable)
 * @param maxJobDuration      a job running longer fails; Kafka's {@code max.poll.interval.ms} is set above it because
 *                            a job runs on the listener thread ({@code QUANTSERVE_WORKER_MAXJOBDURATION})
 * @param shutdownGracePeriod how long a running job may go on after SIGTERM before it is interrupted and left to
 *                            another worker ({@code QUANTSERVE_WORKER_SHUTDOWNGRACEPERIOD})
 */
@ConfigurationProperties("quantserve.worker")
@Validated
public record WorkerProperties(
        Path workDir,
        String id,
        @DefaultValue("1") @Min(1) int concurrency,
        @DefaultValue("2s") @NotNull Duration progressInterval,
        @DefaultValue @Valid Retry retry,
        @DefaultValue("1h") @NotNull Duration maxJobDuration,
        @DefaultValue("30s") @NotNull Duration shutdownGracePeriod) {

    public WorkerProperties {
        workDir = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"), "quantserve-worker");
        id = id != null && !id.isBlank() ? id : hostName() + "-" + ProcessHandle.current().pid();
    }

    /**
     * Exponential back-off: attempt n waits {@code initialInterval * multiplier^(n-1)}, at most {@code maxInterval}.
     *
     * @param maxAttempts deliveries of a job before it goes to the dead-letter topic, the first included
     *                    ({@code QUANTSERVE_WORKER_RETRY_MAXATTEMPTS})
     */
    public record Retry(
            @DefaultValue("1s") @NotNull Duration initialInterval,
            @DefaultValue("2.0") @DecimalMin("1.0") double multiplier,
            @DefaultValue("1m") @NotNull Duration maxInterval,
            @DefaultValue("3") @Min(1) int maxAttempts) {
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            // no resolvable host name (some containers): the environment usually still has it
            String env = System.getenv("HOSTNAME");
            return env != null && !env.isBlank() ? env : "quant-worker";
        }
    }
}
