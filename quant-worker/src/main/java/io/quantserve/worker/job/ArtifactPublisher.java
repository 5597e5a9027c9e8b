package io.quantserve.worker.job;

import io.quantserve.contracts.quantization.ArtifactManifest;
import io.quantserve.contracts.quantization.QuantizationJobMessage;
import io.quantserve.engine.quant.QuantizeOptions;
import io.quantserve.store.ArtifactStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Puts a job's output into the artifact store: the files go to {@code tmp/<artifactId>-<attempt>/}, the manifest
 * (sizes and SHA-256 of the local files) joins them, and {@link ArtifactStore#publish} makes the folder visible as
 * {@code artifacts/<artifactId>/} with the manifest last. On failure the temporary prefix is removed.
 */
@Component
class ArtifactPublisher {
    static final String REPORT = "quantization_report.json";

    private final ArtifactStore store;
    private final JsonMapper json;

    ArtifactPublisher(ArtifactStore store, JsonMapper json) {
        this.store = store;
        this.json = json;
    }

    static String finalPrefix(String artifactId) {
        return "artifacts/" + artifactId + "/";
    }

    static String tempPrefix(String artifactId, long attempt) {
        return "tmp/" + artifactId + "-" + attempt + "/";
    }

    /** The artifact when its manifest exists, that is when a run of the job has completed it. */
    Optional<PublishedArtifact> published(String artifactId) throws IOException {
        String prefix = finalPrefix(artifactId);
        if (store.stat(prefix + ArtifactManifest.FILE_NAME).isEmpty()) {
            return Optional.empty();
        }
        ArtifactManifest manifest = json.readValue(read(prefix + ArtifactManifest.FILE_NAME), ArtifactManifest.class);
        String report = store.stat(prefix + REPORT).isPresent() ? read(prefix + REPORT) : null;
        return Optional.of(new PublishedArtifact(manifest, report));
    }

    PublishedArtifact publish(QuantizationJobMessage job, QuantizeOptions options, Path out, long attempt)
            throws IOException {
        String finalPrefix = finalPrefix(job.artifactId());
        String tempPrefix = tempPrefix(job.artifactId(), attempt);
        ArtifactManifest manifest = new ArtifactManifest(job.artifactId(), options.method().format(),
                options.method().id(), options.bits(), options.groupSize(), job.modelId(), job.modelName(),
                job.jobId(), store.uri(finalPrefix).toString(), ArtifactFiles.describe(out), Instant.now());
        byte[] manifestJson = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest);
        try {
            store.upload(out, tempPrefix);
            store.put(tempPrefix + ArtifactManifest.FILE_NAME, new ByteArrayInputStream(manifestJson),
                    manifestJson.length);
            store.publish(tempPrefix, finalPrefix, ArtifactManifest.FILE_NAME);
        } catch (FileAlreadyExistsException e) {
            // a duplicate delivery of the job published first: that artifact is the result
            deleteQuietly(tempPrefix, e);
            Optional<PublishedArtifact> other = published(job.artifactId());
            if (other.isPresent()) {
                return other.get();
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tempPrefix, e);
            throw e;
        }
        Path report = out.resolve(REPORT);
        return new PublishedArtifact(manifest, Files.exists(report) ? Files.readString(report) : null);
    }

    /** Removes what a failed or interrupted run uploaded. */
    void discard(String artifactId, long attempt) throws IOException {
        store.deletePrefix(tempPrefix(artifactId, attempt));
    }

    private String read(String key) throws IOException {
        try (InputStream in = store.open(key, 0, -1)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void deleteQuietly(String prefix, Exception failure) {
        try {
            store.deletePrefix(prefix);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
