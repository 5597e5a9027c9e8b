package io.quantserve.node.artifact;

import io.quantserve.store.Sha256;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * One folder of the pull cache. It is filled as {@code .<name>.partial} beside it and renamed into place only when
 * every file is there and verified, with {@value #MARKER} (the file list with sizes and SHA-256) written last: a
 * folder under its final name is complete. A pull cut short leaves the partial folder, and the next one continues
 * it. Pulls of the same folder by several processes sharing the cache wait for each other on a lock file.
 */
final class CacheEntry {
    static final String MARKER = ".quantserve-complete.json";
    private static final Logger log = LoggerFactory.getLogger(CacheEntry.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A file of a cached folder, by its path relative to the folder. */
    record CachedFile(String path, long size, String sha256) {
    }

    /** {@value #MARKER}: where the files came from, and what they are. */
    record Marker(String source, List<CachedFile> files) {
    }

    /** Fills the partial folder and returns the files it holds (every one of them verified). */
    @FunctionalInterface
    interface Filler {
        List<CachedFile> fill(Path partial) throws IOException;
    }

    private final Path dir;

    CacheEntry(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    Path dir() {
        return dir;
    }

    /** The folder, if a complete copy is there: its marker and every file it lists, with the size it lists. */
    Optional<Path> complete() {
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            return Optional.empty();
        }
        try {
            Marker read = JSON.readValue(marker.toFile(), Marker.class);
            for (CachedFile file : read.files()) {
                Path path = inside(dir, file.path());
                if (!Files.isRegularFile(path) || Files.size(path) != file.size()) {
                    log.warn("cached copy {} is damaged ({} is missing or has another size); pulling it again", dir,
                            file.path());
                    return Optional.empty();
                }
            }
            return Optional.of(dir);
        } catch (IOException | RuntimeException e) { // unreadable JSON, a missing list, a path outside
            log.warn("cached copy {} has an unreadable {} ({}); pulling it again", dir, MARKER, e.getMessage());
            return Optional.empty();
        }
    }

    /** The complete folder: the cached one if there is one, else what {@code filler} fetches, published. */
    Path fill(String source, Filler filler) throws IOException {
        Path parent = dir.getParent();
        Files.createDirectories(parent);
        Path lockFile = parent.resolve("." + dir.getFileName() + ".lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = channel.lock()) {
            Optional<Path> done = complete();
            if (done.isPresent()) {
                return done.get(); // another process pulled it while this one waited
            }
            Path partial = parent.resolve("." + dir.getFileName() + ".partial");
            Files.createDirectories(partial);
            List<CachedFile> files = filler.fill(partial);
            JSON.writeValue(partial.resolve(MARKER).toFile(), new Marker(source, files));
            if (Files.exists(dir)) {
                deleteRecursively(dir); // an incomplete or damaged copy under the final name
            }
            Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
            return dir;
        }
    }

    /** Whether a previous, interrupted pull already left this file, whole and with the expected checksum. */
    static boolean holds(Path file, long size, String sha256) throws IOException {
        return Files.isRegularFile(file) && (size < 0 || Files.size(file) == size)
                && (sha256 == null || sha256.equalsIgnoreCase(Sha256.of(file)));
    }

    /** {@code relative} (a path a server listed) below {@code dir}; anything that would leave it is refused. */
    static Path inside(Path dir, String relative) {
        Path resolved = dir.resolve(relative).normalize();
        if (relative.isEmpty() || Path.of(relative).isAbsolute() || relative.contains("\\")
                || !resolved.startsWith(dir) || resolved.equals(dir)) {
            throw new ModelPullException("refusing file path '" + relative + "': not a relative path inside the "
                    + "model folder");
        }
        return resolved;
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
