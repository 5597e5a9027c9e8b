package io.quantserve.registry.dataset;

import java.time.Instant;
import java.util.UUID;

/**
 * @param format      text (one sample per non-empty line) or jsonl (objects with a "text" field)
 * @param recordCount samples in the file
 * @param storeKey    artifact-store key of the file (what a job's datasetKey is)
 */
public record DatasetResponse(UUID id, String name, String filename, String format, long size, String sha256,
        long recordCount, String storeKey, Instant createdAt) {

    static DatasetResponse of(Dataset d) {
        return new DatasetResponse(d.getId(), d.getName(), d.getFilename(), d.getFormat(), d.getSize(), d.getSha256(),
                d.getRecordCount(), d.storeKey(), d.getCreatedAt());
    }
}
