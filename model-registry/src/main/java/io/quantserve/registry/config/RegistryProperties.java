package io.quantserve.registry.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the model registry, {@code quantserve.registry.*} (env {@code QUANTSERVE_REGISTRY_...}).
 *
 * @param workDir local folder for downloads and uploads in progress (default: the JVM temp dir)
 */
@Validated
@ConfigurationProperties("quantserve.registry")
public record RegistryProperties(@Valid @NotNull @DefaultValue Hub hub, @Valid @NotNull @DefaultValue Imports imports,
        @Valid @NotNull @DefaultValue Uploads uploads, @Valid @NotNull @DefaultValue Kafka kafka, Path workDir) {

    /** The local folder for work in progress. */
    public Path workFolder() {
        return workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"), "quantserve-registry");
    }

    /**
     * The Hugging Face Hub (or a mirror).
     *
     * @param endpoint            default {@code https://huggingface.co}; {@code HF_ENDPOINT} is honoured too
     * @param token               bearer token for gated/private repos; {@code HF_TOKEN} is honoured too
     * @param retries             extra attempts per file after a dropped connection (the download resumes)
     * @param skipWhenSafetensors file globs not downloaded when the repo has safetensors weights (duplicate
     *                            PyTorch/Flax/ONNX/GGUF copies of the same weights)
     */
    public record Hub(@NotNull @DefaultValue("https://huggingface.co") URI endpoint, String token,
            @DefaultValue("10s") Duration connectTimeout, @DefaultValue("60s") Duration readTimeout,
            @Min(0) @DefaultValue("3") int retries,
            @DefaultValue({"**.bin", "**.pt", "**.pth", "**.h5", "**.msgpack", "**.onnx", "**.onnx_data", "**.ot",
                    "**.gguf", "original/**"}) List<String> skipWhenSafetensors) {
    }

    /**
     * @param concurrency imports running at once
     * @param queueCapacity imports waiting for a slot; beyond it new imports are refused (503)
     */
    public record Imports(@Min(1) @DefaultValue("2") int concurrency, @Min(0) @DefaultValue("100") int queueCapacity) {
    }

    /** @param maxSize largest multipart upload (also applied to spring.servlet.multipart.*) */
    public record Uploads(@NotNull @DefaultValue("20GB") DataSize maxSize) {
    }

    /**
     * The Kafka side: topics created at start-up, the outbox relay, the event listeners.
     *
     * @param enabled           false turns the Kafka side off (jobs still queue in the outbox)
     * @param partitions        partitions of quantization.jobs and quantization.events (the most workers that share
     *                          the jobs); the dead-letter and control topics get one
     * @param replicationFactor replicas of every topic (1 for a single broker)
     * @param relayInterval     how often the relay looks for unsent outbox rows
     * @param relayBatchSize    rows sent per relay transaction
     * @param sendTimeout       how long the relay waits for the broker to acknowledge a batch
     */
    public record Kafka(@DefaultValue("true") boolean enabled, @Min(1) @DefaultValue("6") int partitions,
            @Min(1) @DefaultValue("1") short replicationFactor, @DefaultValue("250ms") Duration relayInterval,
            @Min(1) @DefaultValue("100") int relayBatchSize, @DefaultValue("30s") Duration sendTimeout) {
    }
}
