package io.quantserve.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where models, calibration datasets and quantized artifacts live, addressed by slash-separated keys:
 * {@code models/<modelId>/<file>}, {@code datasets/<datasetId>/<file>}, {@code artifacts/<artifactId>/<file>} and
 * {@code tmp/...} for uploads in progress. Two implementations: a local folder (a shared volume or Kubernetes PVC)
 * and S3-compatible object storage.
 *
 * <p>A missing key is reported as {@link java.nio.file.NoSuchFileException} naming the key.
 */
public interface ArtifactStore {

    /** Stores the file under {@code key}, replacing any object there; readers never see a partial object. */
    void put(String key, Path file) throws IOException;

    /** Stores {@code size} bytes read from {@code in} under {@code key}; readers never see a partial object. */
    void put(String key, InputStream in, long size) throws IOException;

    /** Bytes {@code [offset, offset + length)} of the object; {@code length} -1 reads to its end. */
    InputStream open(String key, long offset, long length) throws IOException;

    /** Size and time of the object, or empty when there is none. */
    Optional<StoredObject> stat(String key) throws IOException;

    /** Every object whose key starts with {@code prefix}, sorted by key. */
    List<StoredObject> list(String prefix) throws IOException;

    /** Deletes every object whose key starts with {@code prefix}; nothing there is not an error. */
    void deletePrefix(String prefix) throws IOException;

    /**
     * Makes the objects under {@code tempPrefix} visible under {@code finalPrefix} (both ending in '/'), writing the
     * object named {@code lastName} (the manifest) last, so a reader that sees it sees everything; the temporary
     * objects are gone afterwards. Fails with {@link java.nio.file.FileAlreadyExistsException} when something is
     * already published under {@code finalPrefix}.
     */
    void publish(String tempPrefix, String finalPrefix, String lastName) throws IOException;

    /** Where the key lives, for people and manifests: {@code file:///...} or {@code s3://bucket/key}. */
    URI uri(String key);

    /** Copies every object under {@code prefix} into {@code dir}, keeping the paths below the prefix. */
    default void download(String prefix, Path dir) throws IOException {
        FolderTransfer.download(this, prefix, dir);
    }

    /** Stores every regular file below {@code dir} under {@code prefix} + its relative path. */
    default void upload(Path dir, String prefix) throws IOException {
        FolderTransfer.upload(this, dir, prefix);
    }

    /** One stored object. */
    record StoredObject(String key, long size, java.time.Instant lastModified) {
    }
}
