package io.quantserve.registry.model;

import io.quantserve.registry.config.RegistryProperties;
import io.quantserve.registry.files.Archives;
import io.quantserve.registry.files.RelativePaths;
import io.quantserve.hub.HttpDownloader;
import io.quantserve.hub.HubClient;
import io.quantserve.hub.HubFile;
import io.quantserve.hub.HubRepo;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Downloads a model's files into a local folder. */
@Component
class ModelFetcher {
    private final HubClient hub;
    private final List<PathMatcher> skipWhenSafetensors;

    ModelFetcher(HubClient hub, RegistryProperties properties) {
        this.hub = hub;
        this.skipWhenSafetensors = properties.hub().skipWhenSafetensors().stream()
                .map(glob -> FileSystems.getDefault().getPathMatcher("glob:" + glob)).toList();
    }

    /**
     * @param root     the folder holding the model (config.json at its top)
     * @param revision the Hub commit, or null
     * @param sha256   checksums already computed while downloading, by relative path
     */
    record Fetched(Path root, String revision, Map<String, String> sha256) {
    }

    Fetched fetch(ModelSource source, Path work) throws IOException {
        return switch (source) {
            case ModelSource.Hub h -> fromHub(h, work.resolve("model"));
            case ModelSource.Url u -> fromUrl(u, work);
        };
    }

    private Fetched fromHub(ModelSource.Hub source, Path dir) throws IOException {
        HubRepo repo = hub.resolve(source.hub().repo(), source.hub().revision());
        boolean hasSafetensors = repo.files().stream().anyMatch(f -> f.path().endsWith(".safetensors"));
        Map<String, String> sha256 = new HashMap<>();
        for (HubFile file : repo.files()) {
            if (hasSafetensors && skipWhenSafetensors.stream().anyMatch(m -> m.matches(Path.of(file.path())))) {
                continue;
            }
            String path = RelativePaths.check(file.path());
            sha256.put(path, hub.download(repo, file, RelativePaths.resolve(dir, path)));
        }
        return new Fetched(dir, repo.sha(), sha256);
    }

    private Fetched fromUrl(ModelSource.Url source, Path work) throws IOException {
        String fileName = RelativePaths.check(source.fileName());
        HttpDownloader.Credentials credentials = hub.credentials();
        if (Archives.isArchive(fileName)) {
            Path archive = work.resolve("download").resolve(fileName);
            hub.downloader().download(source.uri(), archive, -1, null, credentials, fileName);
            Path root = Archives.extract(archive, fileName, work.resolve("model"));
            Files.delete(archive);
            return new Fetched(root, null, Map.of());
        }
        Path dir = work.resolve("model");
        String sha = hub.downloader().download(source.uri(), dir.resolve(fileName), -1, null, credentials, fileName);
        return new Fetched(dir, null, Map.of(fileName, sha));
    }
}
