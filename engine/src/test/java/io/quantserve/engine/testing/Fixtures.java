package io.quantserve.engine.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared test fixtures ({@code ../shared/fixtures} beside the repository). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/fixtures");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("shared/fixtures not found above " + Path.of("").toAbsolutePath());
    }

    public static Path model(String name) {
        return root().resolve("models").resolve(name);
    }
}
