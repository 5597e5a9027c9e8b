package io.quantserve.worker.job;

import io.quantserve.contracts.quantization.ArtifactManifest.ArtifactFile;
import io.quantserve.store.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The manifest's file list: every regular file below a folder with its size and SHA-256, sorted by path. */
final class ArtifactFiles {
    private ArtifactFiles() {
    }

    static List<ArtifactFile> describe(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().map(file -> {
                try {
                    String path = dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                    return new ArtifactFile(path, Files.size(file), Sha256.of(file));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
