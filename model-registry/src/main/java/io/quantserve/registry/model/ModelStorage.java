package io.quantserve.registry.model;

import io.quantserve.store.ArtifactStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Puts a checked model folder into the artifact store: upload under {@code tmp/models/<id>/}, then publish to
 * {@code models/<id>/} with config.json last, so a half-stored model is never visible.
 */
@Component
class ModelStorage {
    private final ArtifactStore store;

    ModelStorage(ArtifactStore store) {
        this.store = store;
    }

    void publish(UUID modelId, Path folder) throws IOException {
        String temp = "tmp/" + Model.storePrefix(modelId);
        try {
            store.deletePrefix(temp);
            store.upload(folder, temp);
            store.publish(temp, Model.storePrefix(modelId), ModelInspector.CONFIG);
        } finally {
            store.deletePrefix(temp);
        }
    }

    void delete(UUID modelId) throws IOException {
        store.deletePrefix(Model.storePrefix(modelId));
    }
}
