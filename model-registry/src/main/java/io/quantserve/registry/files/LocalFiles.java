package io.quantserve.registry.files;

import io.quantserve.store.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Local folder helpers: listing with checksums, recursive delete. */
public final class LocalFiles {

    private LocalFiles() {
    }

    /** Every regular file below {@code dir}, sorted by path, with its SHA-256 (taken from {@code known} if there). */
    public static List<FileEntry> entries(Path dir, Map<String, String> known) throws IOException {
        List<FileEntry> entries = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                String path = dir.relativize(p).toString().replace('\\', '/');
                String sha = known.get(path);
                entries.add(new FileEntry(path, Files.size(p), sha != null ? sha : Sha256.of(p)));
            }
        }
        entries.sort(Comparator.comparing(FileEntry::path));
        return entries;
    }

    /** Deletes {@code dir} and everything in it; a missing folder is fine. */
    public static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
