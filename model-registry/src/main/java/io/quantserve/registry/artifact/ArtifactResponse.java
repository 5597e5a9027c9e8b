package io.quantserve.registry.artifact;

import io.quantserve.registry.files.FileView;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * An artifact as the API shows it.
 *
 * @param format     awq, gptq, bitsandbytes, compressed-tensors, gguf...
 * @param groupSize  -1 for per channel
 * @param storageUri where the files are ({@code file:///...} or {@code s3://...})
 * @param report     quantization_report.json as a JSON object (null if the worker sent none)
 */
public record ArtifactResponse(UUID id, UUID jobId, UUID modelId, String format, String method, int bits,
        int groupSize, long size, String storageUri, List<FileView> files, JsonNode report, Instant createdAt) {
}
