package io.quantserve.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;

/** Builds the artifact store that {@code quantserve.store.*} describes. */
public final class ArtifactStores {

    /** Where the filesystem store lives when {@code quantserve.store.root} is not set. */
    public static Path defaultRoot() {
        return Path.of(System.getProperty("user.home"), ".quantserve", "artifacts");
    }

    private ArtifactStores() {
    }

    /**
     * {@code filesystem} (the default when the type is blank) or {@code s3}.
     *
     * @throws IllegalArgumentException naming {@code quantserve.store.type} when the type is neither
     */
    public static ArtifactStore create(ArtifactStoreProperties properties) {
        String type = properties == null || properties.type() == null || properties.type().isBlank()
                ? "filesystem" : properties.type().trim().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "filesystem" -> filesystem(properties == null || properties.root() == null ? defaultRoot() : properties.root());
            default -> throw new IllegalArgumentException("quantserve.store.type (QUANTSERVE_STORE_TYPE) is '"
                    + properties.type() + "'; expected 'filesystem' or 's3'");
        };
    }

    private static ArtifactStore filesystem(Path root) {
        try {
            return new FilesystemArtifactStore(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the artifact store folder " + root
                    + " (quantserve.store.root / QUANTSERVE_STORE_ROOT)", e);
        }
    }
}
