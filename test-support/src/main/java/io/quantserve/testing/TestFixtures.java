package io.quantserve.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared fixtures folder ({@code shared/fixtures}), found from the working directory upwards. */
public final class TestFixtures {

    private TestFixtures() {
    }

    public static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("shared/fixtures"))) {
                return dir.resolve("shared/fixtures");
            }
        }
        throw new IllegalStateException("no shared/fixtures above " + Path.of("").toAbsolutePath());
    }

    public static Path model(String name) {
        return root().resolve("models").resolve(name);
    }
}
