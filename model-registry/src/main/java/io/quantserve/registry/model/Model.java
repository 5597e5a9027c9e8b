package io.quantserve.registry.model;

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

/** A source model: imported from the Hub or a URL, or uploaded; its files live under {@code models/<id>/}. */
@Entity
@Table(name = "models")
public class Model {
    @Id
    private UUID id;
    @Column(nullable = false)
    private String name;
    @Column(nullable = false)
    private String source;
    private String revision;
    @Column(nullable = false)
    private ModelStatus status;
    @Column(columnDefinition = "text")
    private String reason;
    @Column(name = "size_bytes", nullable = false)
    private long size;
    private String architecture;
    @Column(name = "parameter_count")
    private Long parameterCount;
    @Column(name = "hidden_size")
    private Integer hiddenSize;
    @Column(name = "num_layers")
    private Integer numLayers;
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;
    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;
    @Version
    private Long version;
    @ElementCollection
    @CollectionTable(name = "model_files", joinColumns = @JoinColumn(name = "model_id"))
    @OrderBy("path")
    private List<FileEntry> files = new ArrayList<>();

    protected Model() {
    }

    public Model(UUID id, String name, String source, String revision, Instant now) {
        this.id = id;
        this.name = name;
        this.source = source;
        this.revision = revision;
        this.status = ModelStatus.IMPORTING;
        this.createdAt = now;
        this.updatedAt = now;
    }

    /** The import finished: every file is published under {@code models/<id>/}. */
    public void markReady(ModelFacts facts, String resolvedRevision, List<FileEntry> storedFiles, Instant now) {
        this.status = ModelStatus.READY;
        this.reason = null;
        this.architecture = facts.architecture();
        this.parameterCount = facts.parameterCount();
        this.hiddenSize = facts.hiddenSize();
        this.numLayers = facts.numLayers();
        if (resolvedRevision != null) {
            this.revision = resolvedRevision;
        }
        this.files.clear();
        this.files.addAll(storedFiles);
        this.size = storedFiles.stream().mapToLong(FileEntry::size).sum();
        this.updatedAt = now;
    }

    public void markFailed(String reason, Instant now) {
        this.status = ModelStatus.FAILED;
        this.reason = reason;
        this.updatedAt = now;
    }

    /** Where the model's files live in the artifact store. */
    public String storePrefix() {
        return storePrefix(id);
    }

    public static String storePrefix(UUID modelId) {
        return "models/" + modelId + "/";
    }

    public UUID getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getSource() {
        return source;
    }

    public String getRevision() {
        return revision;
    }

    public ModelStatus getStatus() {
        return status;
    }

    public String getReason() {
        return reason;
    }

    public long getSize() {
        return size;
    }

    public String getArchitecture() {
        return architecture;
    }

    public Long getParameterCount() {
        return parameterCount;
    }

    public Integer getHiddenSize() {
        return hiddenSize;
    }

    public Integer getNumLayers() {
        return numLayers;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    public List<FileEntry> getFiles() {
        return files;
    }
}
