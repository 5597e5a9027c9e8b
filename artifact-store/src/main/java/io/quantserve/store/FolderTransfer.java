package io.quantserve.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** Folder download and upload written once on top of {@link ArtifactStore}'s object operations. */
final class FolderTransfer {

    private FolderTransfer() {
    }

    /** Copies every object under {@code prefix} into {@code dir}; each file appears whole (temp file, then rename). */
    static void download(ArtifactStore store, String prefix, Path dir) throws IOException {
        StoreKeys.checkPrefix(prefix);
        Path target = dir.toAbsolutePath().normalize();
        Files.createDirectories(target);
        for (ArtifactStore.StoredObject object : store.list(prefix)) {
            String relative = object.key().substring(prefix.length());
            while (relative.startsWith("/")) {
                relative = relative.substring(1);
            }
            Path file = target.resolve(relative).normalize();
            if (relative.isEmpty() || !file.startsWith(target)) {
                throw new IOException("cannot download " + object.key() + " below prefix " + prefix + " into " + dir);
            }
            Files.createDirectories(file.getParent());
            Path temp = file.resolveSibling(StoreKeys.TEMP_MARKER + UUID.randomUUID());
            try (InputStream in = store.open(object.key(), 0, -1)) {
                Files.copy(in, temp);
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Stores every regular file below {@code dir} under {@code prefix} + its relative path ('/'-separated). */
    static void upload(ArtifactStore store, Path dir, String prefix) throws IOException {
        StoreKeys.checkPrefix(prefix);
        if (!Files.isDirectory(dir)) {
            throw new java.nio.file.NotDirectoryException(dir.toString());
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).sorted().forEach(files::add);
        }
        for (Path file : files) {
            String relative = dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
            store.put(prefix + relative, file);
        }
    }
}
