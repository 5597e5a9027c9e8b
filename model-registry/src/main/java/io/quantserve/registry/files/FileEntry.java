package io.quantserve.registry.files;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import java.util.Objects;

/** One stored file of a model or artifact: its path below the owner's prefix, size and SHA-256 (hex). */
@Embeddable
public class FileEntry {
    @Column(name = "path", nullable = false)
    private String path;
    @Column(name = "size_bytes", nullable = false)
    private long size;
    @Column(name = "sha256", nullable = false)
    private String sha256;

    protected FileEntry() {
    }

    public FileEntry(String path, long size, String sha256) {
        this.path = Objects.requireNonNull(path);
        this.size = size;
        this.sha256 = Objects.requireNonNull(sha256);
    }

    public String path() {
        return path;
    }

    public long size() {
        return size;
    }

    public String sha256() {
        return sha256;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileEntry f && path.equals(f.path) && size == f.size && sha256.equals(f.sha256);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, size, sha256);
    }
}
