package io.quantserve.worker.job;

import io.quantserve.engine.quant.Quantization;
import io.quantserve.store.ArtifactStore;
import io.quantserve.store.ArtifactStore.StoredObject;
import io.quantserve.worker.config.WorkerProperties;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Brings a job's inputs from the artifact store into the work directory's cache ({@code <workDir>/sources/<key>}).
 * A cached copy is reused when every stored file is there with its size; downloads go to a temporary folder or file
 * that is renamed into place when complete, so an interrupted download is never mistaken for a copy.
 */
@Component
class SourceFetcher {
    private final ArtifactStore store;
    private final Path cache;

    SourceFetcher(ArtifactStore store, WorkerProperties properties) {
        this.store = store;
        this.cache = properties.workDir().toAbsolutePath().normalize().resolve("sources");
    }

    /** The model's folder: every object under {@code sourceKey} (a prefix such as {@code models/<id>/}). */
    Path model(String sourceKey) throws IOException {
        String prefix = sourceKey.endsWith("/") ? sourceKey : sourceKey + "/";
        List<StoredObject> objects = store.list(prefix);
        if (objects.isEmpty()) {
            throw new IllegalArgumentException("source model: no files in the artifact store under " + prefix);
        }
        Path target = local(prefix);
        if (complete(target, prefix, objects)) {
            return target;
        }
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".download-");
        try {
            store.download(prefix, temp);
            Quantization.deleteRecursively(target); // an incomplete or outdated copy
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            // another job of this worker fetched the same model meanwhile
            if (!complete(target, prefix, objects)) {
                throw e;
            }
        } finally {
            Quantization.deleteRecursively(temp);
        }
        return target;
    }

    /** The calibration file stored under {@code key}. */
    Path dataset(String key) throws IOException {
        StoredObject object = store.stat(key).orElseThrow(() -> new IllegalArgumentException(
                "calibration dataset: no file in the artifact store at " + key));
        Path target = local(key);
        if (Files.isRegularFile(target) && Files.size(target) == object.size()) {
            return target;
        }
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".download");
        try (InputStream in = store.open(key, 0, -1)) {
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        return target;
    }

    private Path local(String key) {
        Path path = cache.resolve(key).normalize();
        if (!path.startsWith(cache) || path.equals(cache)) {
            throw new IllegalArgumentException("artifact-store key '" + key + "' leaves the work directory");
        }
        return path;
    }

    private static boolean complete(Path dir, String prefix, List<StoredObject> objects) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        for (StoredObject object : objects) {
            Path file = dir.resolve(object.key().substring(prefix.length()));
            try {
                if (!Files.isRegularFile(file) || Files.size(file) != object.size()) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
