package io.quantserve.registry.artifact;

import io.quantserve.contracts.quantization.ArtifactManifest;
import io.quantserve.registry.files.FileEntry;
import io.quantserve.registry.files.FileView;
import io.quantserve.registry.web.NotFoundException;
import io.quantserve.registry.web.PageResponse;
import io.quantserve.store.ArtifactStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;
import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.StringNode;

@Service
public class ArtifactService {
    private final ArtifactRepository artifacts;
    private final ArtifactStore store;
    private final JsonMapper json;

    ArtifactService(ArtifactRepository artifacts, ArtifactStore store, JsonMapper json) {
        this.artifacts = artifacts;
        this.store = store;
        this.json = json;
    }

    @Transactional(readOnly = true)
    public ArtifactResponse get(UUID id) {
        return toResponse(find(id));
    }

    @Transactional(readOnly = true)
    public PageResponse<ArtifactResponse> list(UUID modelId, UUID jobId, Pageable pageable) {
        return PageResponse.of(artifacts.search(modelId, jobId, pageable), this::toResponse);
    }

    /** One file of an artifact (manifest.json included): its key and size. 404 if the artifact has no such file. */
    @Transactional(readOnly = true)
    public StoredFile file(UUID id, String path) throws IOException {
        Artifact artifact = find(id);
        String key = Artifact.storePrefix(id) + path;
        boolean listed = path.equals(ArtifactManifest.FILE_NAME)
                || artifact.getFiles().stream().map(FileEntry::path).anyMatch(path::equals);
        var stat = listed ? store.stat(key) : java.util.Optional.<ArtifactStore.StoredObject>empty();
        return stat.map(s -> new StoredFile(key, s.size()))
                .orElseThrow(() -> new NotFoundException("file", path + " of artifact " + id));
    }

    public InputStream open(StoredFile file, long offset, long length) throws IOException {
        return store.open(file.key(), offset, length);
    }

    public record StoredFile(String key, long size) {
    }

    private Artifact find(UUID id) {
        return artifacts.findById(id).orElseThrow(() -> new NotFoundException("artifact", id));
    }

    private ArtifactResponse toResponse(Artifact a) {
        return new ArtifactResponse(a.getId(), a.getJobId(), a.getModelId(), a.getFormat(), a.getMethod(), a.getBits(),
                a.getGroupSize(), a.getSize(), a.getStorageUri(), a.getFiles().stream().map(FileView::of).toList(),
                report(a.getReport()), a.getCreatedAt());
    }

    private JsonNode report(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (JacksonException e) {
            return StringNode.valueOf(text); // not JSON: shown as the text the worker sent
        }
    }
}
