package io.quantserve.registry.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A model as the API shows it.
 *
 * @param status         importing, ready or failed
 * @param reason         why the import failed (failed only)
 * @param revision       the Hub commit the revision resolved to (Hub imports)
 * @param size           bytes over all files
 * @param parameterCount tensor elements over the safetensors weights
 */
public record ModelResponse(UUID id, String name, ModelStatus status, String reason, String source, String revision,
        long size, String architecture, Long parameterCount, Integer hiddenSize, Integer numLayers, int fileCount,
        Instant createdAt, Instant updatedAt) {

    static ModelResponse of(Model m) {
        return new ModelResponse(m.getId(), m.getName(), m.getStatus(), m.getReason(), m.getSource(), m.getRevision(),
                m.getSize(), m.getArchitecture(), m.getParameterCount(), m.getHiddenSize(), m.getNumLayers(),
                m.getFiles().size(), m.getCreatedAt(), m.getUpdatedAt());
    }
}
