package io.quantserve.registry.dataset;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/** A calibration dataset: one text or JSONL file stored at {@code datasets/<id>/<filename>}. */
@Entity
@Table(name = "datasets")
public class Dataset {
    @Id
    private UUID id;
    @Column(nullable = false)
    private String name;
    @Column(nullable = false)
    private String filename;
    /** {@code text} (one sample per line) or {@code jsonl} (one object with a "text" field per line). */
    @Column(nullable = false)
    private String format;
    @Column(name = "size_bytes", nullable = false)
    private long size;
    @Column(nullable = false)
    private String sha256;
    @Column(name = "record_count", nullable = false)
    private long recordCount;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Version
    private Long version;

    protected Dataset() {
    }

    public Dataset(UUID id, String name, String filename, String format, long size, String sha256, long recordCount,
            Instant createdAt) {
        this.id = id;
        this.name = name;
        this.filename = filename;
        this.format = format;
        this.size = size;
        this.sha256 = sha256;
        this.recordCount = recordCount;
        this.createdAt = createdAt;
    }

    /** The artifact-store key of the file. */
    public String storeKey() {
        return "datasets/" + id + "/" + filename;
    }

    public UUID getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getFilename() {
        return filename;
    }

    public String getFormat() {
        return format;
    }

    public long getSize() {
        return size;
    }

    public String getSha256() {
        return sha256;
    }

    public long getRecordCount() {
        return recordCount;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
