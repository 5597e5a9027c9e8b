package io.quantserve.worker.support;

import io.quantserve.store.ArtifactStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared test models ({@code ../shared/fixtures}), and copying one into the artifact store. */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path model(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/fixtures/models").resolve(name);
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("shared/fixtures/models/" + name + " not found above " + Path.of("").toAbsolutePath());
    }

    /** Stores the model's config and weights under {@code models/<modelId>/}, as the registry does on upload. */
    public static String storeModel(ArtifactStore store, String fixture, String modelId) throws IOException {
        String prefix = "models/" + modelId + "/";
        for (String file : new String[] {"config.json", "model.safetensors"}) {
            store.put(prefix + file, model(fixture).resolve(file));
        }
        return prefix;
    }
}
