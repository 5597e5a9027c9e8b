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

    /**
     * A fixture model: from the shared fixtures, or one this repository makes itself (the engine's test resources,
     * {@code models/<name>}: tiny-qwen3, written with its golden outputs by the NumPy reference beside it).
     */
    public static Path model(String name) {
        Path own = Path.of("src/test/resources/models", name).toAbsolutePath();
        return Files.isDirectory(own) ? own : root().resolve("models").resolve(name);
    }
}
