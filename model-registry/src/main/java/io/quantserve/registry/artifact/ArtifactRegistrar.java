package io.quantserve.registry.artifact;

import io.quantserve.contracts.quantization.ArtifactManifest;
import io.quantserve.registry.files.FileEntry;
import io.quantserve.store.ArtifactStore;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** Records a published artifact from its manifest, in the transaction that marks its job succeeded. */
@Component
public class ArtifactRegistrar {
    private final ArtifactRepository artifacts;
    private final ArtifactStore store;
    private final Clock clock;

    ArtifactRegistrar(ArtifactRepository artifacts, ArtifactStore store, Clock clock) {
        this.artifacts = artifacts;
        this.store = store;
        this.clock = clock;
    }

    /** The job's fields fill in what the manifest leaves out; an artifact already recorded is returned as is. */
    @Transactional(propagation = Propagation.MANDATORY)
    public Artifact register(UUID artifactId, UUID jobId, UUID modelId, String method, int bits, int groupSize,
            ArtifactManifest manifest, String report) {
        return artifacts.findById(artifactId).orElseGet(() -> {
            List<FileEntry> files = manifest.files() == null ? List.of() : manifest.files().stream()
                    .map(f -> new FileEntry(f.path(), f.size(), f.sha256() == null ? "" : f.sha256())).toList();
            return artifacts.save(new Artifact(artifactId, jobId, modelId,
                    manifest.format() != null ? manifest.format() : method,
                    manifest.method() != null ? manifest.method() : method,
                    manifest.bits() > 0 ? manifest.bits() : bits,
                    manifest.groupSize() != 0 ? manifest.groupSize() : groupSize,
                    manifest.storageUri() != null ? manifest.storageUri()
                            : store.uri(Artifact.storePrefix(artifactId)).toString(), files, report,
                    manifest.createdAt() != null ? manifest.createdAt() : clock.instant()));
        });
    }
}
