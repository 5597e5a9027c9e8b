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
        @Valid @NotNull @DefaultValue Uploads uploads, Path workDir) {

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
}
