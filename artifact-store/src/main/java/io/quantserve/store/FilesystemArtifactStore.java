package io.quantserve.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An artifact store in a local folder (a shared volume or a Kubernetes PVC): key {@code a/b/c} is the file
 * {@code <root>/a/b/c}. Writes go to a temporary file in the target folder and are renamed into place, and
 * {@link #publish} renames the whole temporary folder, so readers never see half of anything.
 */
public final class FilesystemArtifactStore implements ArtifactStore {

    private final Path root;

    public FilesystemArtifactStore(Path root) throws IOException {
        this.root = Files.createDirectories(root.toAbsolutePath().normalize()).toRealPath();
    }

    public Path root() {
        return root;
    }

    /** The file of a key; it may not exist. */
    public Path path(String key) {
        return resolve(StoreKeys.checkKey(key));
    }

    @Override
    public void put(String key, Path file) throws IOException {
        Path target = path(key);
        Files.createDirectories(target.getParent());
        Path temp = tempSibling(target);
        try {
            Files.copy(file, temp);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void put(String key, InputStream in, long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("size of " + key + " is negative: " + size);
        }
        Path target = path(key);
        Files.createDirectories(target.getParent());
        Path temp = tempSibling(target);
        try {
            long copied;
            try (InputStream bounded = new BoundedInputStream(in, size)) {
                copied = Files.copy(bounded, temp);
            }
            if (copied != size) {
                throw new IOException("stream for " + key + " ended after " + copied + " of " + size + " bytes");
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        checkRange(key, offset, length);
        Path file = path(key);
        if (Files.isDirectory(file)) {
            throw new NoSuchFileException(key, null, "no object in the artifact store at " + file + " (it is a folder)");
        }
        SeekableByteChannel channel;
        try {
            channel = Files.newByteChannel(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(key, null, "no object in the artifact store at " + file);
        }
        try {
            long size = channel.size();
            long start = Math.min(offset, size);
            channel.position(start);
            long available = size - start;
            return new BoundedInputStream(Channels.newInputStream(channel), length < 0 ? available : Math.min(length, available));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public Optional<StoredObject> stat(String key) throws IOException {
        Path file = path(key);
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new StoredObject(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        StoreKeys.checkPrefix(prefix);
        Path base = baseFolder(prefix);
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        List<StoredObject> objects = new ArrayList<>();
        Files.walkFileTree(base, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                String key = keyOf(file);
                if (attributes.isRegularFile() && key.startsWith(prefix)
                        && !file.getFileName().toString().startsWith(StoreKeys.TEMP_MARKER)) {
                    objects.add(new StoredObject(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                // A temporary file renamed or deleted while we walk is not an error.
                if (e instanceof NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    @Override
    public void deletePrefix(String prefix) throws IOException {
        StoreKeys.checkPrefix(prefix);
        Path base = baseFolder(prefix);
        if (!Files.isDirectory(base)) {
            return;
        }
        for (StoredObject object : list(prefix)) {
            Files.deleteIfExists(resolve(object.key()));
        }
        removeEmptyFolders(base, prefix);
    }

    @Override
    public void publish(String tempPrefix, String finalPrefix, String lastName) throws IOException {
        StoreKeys.checkFolderPrefix(tempPrefix);
        StoreKeys.checkFolderPrefix(finalPrefix);
        Path tempFolder = resolve(tempPrefix);
        Path finalFolder = resolve(finalPrefix);
        if (!Files.isRegularFile(tempFolder.resolve(StoreKeys.checkKey(lastName)))) {
            throw new NoSuchFileException(tempPrefix + lastName, null,
                    "nothing to publish: the last object " + lastName + " is not under " + tempPrefix);
        }
        if (Files.exists(finalFolder)) {
            if (!isEmptyFolder(finalFolder)) {
                throw new FileAlreadyExistsException(finalPrefix, null, "already published");
            }
            Files.delete(finalFolder);
        }
        Files.createDirectories(finalFolder.getParent());
        try {
            // One rename of the folder: the manifest appears together with everything else.
            Files.move(tempFolder, finalFolder, StandardCopyOption.ATOMIC_MOVE);
        } catch (DirectoryNotEmptyException | FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(finalPrefix, null, "already published (concurrently)");
        }
    }

    @Override
    public URI uri(String key) {
        if (key.isEmpty()) {
            return root.toUri();
        }
        URI uri = root.resolve(StoreKeys.checkPrefix(key)).toUri();
        // Path.toUri ends a folder with '/' only when it exists; a prefix names a folder either way
        return key.endsWith("/") && !uri.getPath().endsWith("/") ? URI.create(uri + "/") : uri;
    }

    @Override
    public String toString() {
        return "FilesystemArtifactStore[" + root + "]";
    }

    private Path resolve(String checkedKeyOrPrefix) {
        Path resolved = root.resolve(checkedKeyOrPrefix).normalize();
        if (!resolved.startsWith(root)) {
            throw new IllegalArgumentException("artifact key '" + checkedKeyOrPrefix + "' escapes the store root");
        }
        return resolved;
    }

    /** The deepest folder that holds every key starting with {@code prefix}. */
    private Path baseFolder(String prefix) {
        int slash = prefix.lastIndexOf('/');
        return slash < 0 ? root : resolve(prefix.substring(0, slash));
    }

    private String keyOf(Path file) {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    private void removeEmptyFolders(Path base, String prefix) throws IOException {
        List<Path> folders;
        try (Stream<Path> walk = Files.walk(base)) {
            folders = walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
        }
        for (Path folder : folders) {
            if (folder.equals(root)) {
                continue;
            }
            String folderKey = keyOf(folder) + "/";
            if (folderKey.startsWith(prefix) && isEmptyFolder(folder)) {
                try {
                    Files.delete(folder);
                } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                    // Someone wrote into it (or removed it) meanwhile: theirs to keep.
                }
            }
        }
    }

    private static boolean isEmptyFolder(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.findAny().isEmpty();
        }
    }

    private static Path tempSibling(Path target) {
        return target.resolveSibling(StoreKeys.TEMP_MARKER + UUID.randomUUID());
    }

    static void checkRange(String key, long offset, long length) {
        if (offset < 0 || length < -1) {
            throw new IllegalArgumentException("bad range of " + key + ": offset " + offset + ", length " + length);
        }
    }
}
