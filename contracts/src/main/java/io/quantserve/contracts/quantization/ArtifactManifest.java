package io.quantserve.contracts.quantization;

import java.time.Instant;
import java.util.List;

/**
 * {@code artifacts/<artifactId>/manifest.json}: written last, so an artifact whose manifest exists is complete.
 *
 * @param format     awq, gptq, bitsandbytes, compressed-tensors, gguf (the engine's {@code Method.format()})
 * @param method     the quantization method that produced it
 * @param groupSize  -1 for per channel
 * @param storageUri where the files are: {@code file:///...} or {@code s3://bucket/prefix/}
 * @param files      every file of the artifact except the manifest, with paths relative to the artifact folder
 */
public record ArtifactManifest(
        String artifactId,
        String format,
        String method,
        int bits,
        int groupSize,
        String sourceModelId,
        String sourceModelName,
        String jobId,
        String storageUri,
        List<ArtifactFile> files,
        Instant createdAt) {

    public static final String FILE_NAME = "manifest.json";

    public long totalSize() {
        return files.stream().mapToLong(ArtifactFile::size).sum();
    }

    /** One file of an artifact, model or dataset. */
    public record ArtifactFile(String path, long size, String sha256) {
    }
}
