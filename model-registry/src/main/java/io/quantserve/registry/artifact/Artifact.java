package io.quantserve.registry.artifact;

import io.quantserve.registry.files.FileEntry;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** A quantized model a job produced, published under {@code artifacts/<id>/} (manifest.json last). */
@Entity
@Table(name = "artifacts")
public class Artifact {
    @Id
    private UUID id;
    @Column(name = "job_id", nullable = false)
    private UUID jobId;
    @Column(name = "model_id", nullable = false)
    private UUID modelId;
    @Column(nullable = false)
    private String format;
    @Column(nullable = false)
    private String method;
    private int bits;
    @Column(name = "group_size")
    private int groupSize;
    @Column(name = "size_bytes", nullable = false)
    private long size;
    @Column(name = "storage_uri", nullable = false)
    private String storageUri;
    /** quantization_report.json as the worker wrote it. */
    @Column(columnDefinition = "text")
    private String report;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Version
    private Long version;
    @ElementCollection
    @CollectionTable(name = "artifact_files", joinColumns = @JoinColumn(name = "artifact_id"))
    @OrderBy("path")
    private List<FileEntry> files = new ArrayList<>();

    protected Artifact() {
    }

    public Artifact(UUID id, UUID jobId, UUID modelId, String format, String method, int bits, int groupSize,
            String storageUri, List<FileEntry> files, String report, Instant createdAt) {
        this.id = id;
        this.jobId = jobId;
        this.modelId = modelId;
        this.format = format;
        this.method = method;
        this.bits = bits;
        this.groupSize = groupSize;
        this.storageUri = storageUri;
        this.files.addAll(files);
        this.size = files.stream().mapToLong(FileEntry::size).sum();
        this.report = report;
        this.createdAt = createdAt;
    }

    public static String storePrefix(UUID artifactId) {
        return "artifacts/" + artifactId + "/";
    }

    public UUID getId() {
        return id;
    }

    public UUID getJobId() {
        return jobId;
    }

    public UUID getModelId() {
        return modelId;
    }

    public String getFormat() {
        return format;
    }

    public String getMethod() {
        return method;
    }

    public int getBits() {
        return bits;
    }

    public int getGroupSize() {
        return groupSize;
    }

    public long getSize() {
        return size;
    }

    public String getStorageUri() {
        return storageUri;
    }

    public String getReport() {
        return report;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public List<FileEntry> getFiles() {
        return files;
    }
}
