package io.quantserve.registry.files;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/** Unpacks .zip, .tar, .tar.gz and .tgz files (commons-compress), refusing entries that point outside. */
public final class Archives {

    private Archives() {
    }

    public static boolean isArchive(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".zip") || n.endsWith(".tar") || n.endsWith(".tar.gz") || n.endsWith(".tgz");
    }

    /**
     * Unpacks {@code archive} (its kind from {@code name}) into {@code dir}; returns the folder that holds the content:
     * {@code dir} itself, or its only subfolder when the archive wraps everything in one top-level folder.
     *
     * @throws IllegalArgumentException for a corrupt archive or an entry with an unsafe path
     */
    public static Path extract(Path archive, String name, Path dir) throws IOException {
        Files.createDirectories(dir);
        String n = name.toLowerCase(Locale.ROOT);
        try {
            if (n.endsWith(".zip")) {
                unzip(archive, dir);
            } else {
                try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
                        InputStream in = n.endsWith(".tar") ? raw : GzipCompressorInputStream.builder()
                                .setInputStream(raw).get();
                        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                    untar(tar, dir);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(name + " is not a readable archive: " + e.getMessage(), e);
        }
        return contentRoot(dir);
    }

    private static void unzip(Path archive, Path dir) throws IOException {
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            for (Enumeration<ZipArchiveEntry> entries = zip.getEntries(); entries.hasMoreElements(); ) {
                ZipArchiveEntry entry = entries.nextElement();
                if (entry.isDirectory() || entry.isUnixSymlink()) {
                    continue;
                }
                Path target = RelativePaths.resolve(dir, entry.getName());
                Files.createDirectories(target.getParent());
                try (InputStream in = zip.getInputStream(entry)) {
                    Files.copy(in, target);
                }
            }
        }
    }

    private static void untar(ArchiveInputStream<? extends ArchiveEntry> tar, Path dir) throws IOException {
        for (ArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
            if (entry.isDirectory() || !(entry instanceof org.apache.commons.compress.archivers.tar.TarArchiveEntry t)
                    || !t.isFile()) {
                continue;
            }
            String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
            Path target = RelativePaths.resolve(dir, name);
            Files.createDirectories(target.getParent());
            Files.copy(tar, target);
        }
    }

    /** {@code dir}, or its only entry when that is a folder (everything wrapped in one top-level folder). */
    public static Path contentRoot(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            var list = children.toList();
            if (list.size() == 1 && Files.isDirectory(list.getFirst())) {
                return list.getFirst();
            }
        }
        return dir;
    }
}
