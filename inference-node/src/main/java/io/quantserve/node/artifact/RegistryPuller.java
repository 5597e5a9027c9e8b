package io.quantserve.node.artifact;

import io.quantserve.hub.HttpDownloader;
import io.quantserve.hub.HubException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pulls a registry artifact into {@code <cacheDir>/artifacts/<id>/}: its file list (path, size, sha256) from
 * {@code GET /api/v1/artifacts/<id>}, each file from {@code /api/v1/artifacts/<id>/files/<path>}, every checksum
 * verified. The registry lists an artifact only once it is complete (its manifest published), and an artifact
 * never changes, so a complete cached copy is used without asking the registry.
 */
final class RegistryPuller {
    private static final Logger log = LoggerFactory.getLogger(RegistryPuller.class);

    private final String registry;
    private final Path cacheDir;
    private final HttpDownloader downloader;
    private final HttpClient http;
    private final Duration timeout;
    private final JsonMapper json = JsonMapper.builder().build();

    RegistryPuller(URI registryUrl, Path cacheDir, Duration connectTimeout, Duration timeout, int retries) {
        this.registry = registryUrl.toString().replaceAll("/+$", "");
        this.cacheDir = cacheDir;
        this.downloader = new HttpDownloader(connectTimeout, timeout, retries);
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        this.timeout = timeout;
    }

    Path pull(UUID artifactId) {
        CacheEntry entry = new CacheEntry(cacheDir.resolve("artifacts").resolve(artifactId.toString()));
        Optional<Path> cached = entry.complete();
        if (cached.isPresent()) {
            log.info("artifact {}: using the cached copy in {}", artifactId, cached.get());
            return cached.get();
        }
        String source = ModelReference.REGISTRY_PREFIX + artifactId;
        List<CacheEntry.CachedFile> files = listFiles(artifactId);
        try {
            return entry.fill(source, partial -> {
                files.forEach(f -> CacheEntry.inside(partial, f.path())); // refuse odd paths before any download
                log.info("artifact {}: pulling {} files ({} bytes) from {} into {}", artifactId, files.size(),
                        files.stream().mapToLong(CacheEntry.CachedFile::size).sum(), registry, entry.dir());
                for (CacheEntry.CachedFile file : files) {
                    Path target = CacheEntry.inside(partial, file.path());
                    if (!CacheEntry.holds(target, file.size(), file.sha256())) {
                        downloader.download(fileUri(artifactId, file.path()), target, file.size(), file.sha256(),
                                HttpDownloader.Credentials.NONE, file.path());
                    }
                }
                return files;
            });
        } catch (HubException e) {
            throw new ModelPullException("artifact " + artifactId + " from the registry at " + registry + ": "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelPullException("artifact " + artifactId + ": cannot write the cache at " + entry.dir()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The artifact's files as the registry lists them ({@code ArtifactResponse.files}). */
    private List<CacheEntry.CachedFile> listFiles(UUID artifactId) {
        URI uri = URI.create(registry + "/api/v1/artifacts/" + artifactId);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json")
                .GET().build();
        JsonNode body;
        int status;
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            status = response.statusCode();
            try (InputStream in = response.body()) {
                body = readJson(in);
            }
        } catch (IOException e) {
            throw new ModelPullException("cannot reach the registry at " + registry + " for artifact " + artifactId
                    + ": " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelPullException("interrupted while asking the registry for artifact " + artifactId, e);
        }
        if (status == 404) {
            throw new ModelPullException("artifact " + artifactId + " not found in the registry at " + registry
                    + " (404): it does not exist or its quantization job has not finished");
        }
        if (status != 200 || body == null) {
            String detail = body == null ? "" : body.path("detail").asString("");
            throw new ModelPullException("the registry at " + registry + " answered HTTP " + status + " for artifact "
                    + artifactId + (detail.isEmpty() ? "" : ": " + detail));
        }
        return files(artifactId, body);
    }

    private JsonNode readJson(InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        try {
            return bytes.length == 0 ? null : json.readTree(bytes);
        } catch (JacksonException e) {
            return null;
        }
    }

    private static List<CacheEntry.CachedFile> files(UUID artifactId, JsonNode body) {
        JsonNode list = body.path("files");
        if (!list.isArray() || list.isEmpty()) {
            throw new ModelPullException("artifact " + artifactId + ": the registry lists no files for it");
        }
        List<CacheEntry.CachedFile> files = new ArrayList<>();
        for (JsonNode file : list) {
            String path = file.path("path").asString("");
            long size = file.path("size").asLong(-1);
            String sha256 = file.path("sha256").asString("");
            if (path.isEmpty() || size < 0) {
                throw new ModelPullException("artifact " + artifactId + ": the registry lists a file without path "
                        + "or size: " + file);
            }
            if (sha256.isEmpty()) {
                throw new ModelPullException("artifact " + artifactId + ": the registry lists no sha256 for " + path
                        + ", so it cannot be verified");
            }
            files.add(new CacheEntry.CachedFile(path, size, sha256.toLowerCase(Locale.ROOT)));
        }
        return List.copyOf(files);
    }

    private URI fileUri(UUID artifactId, String path) {
        String encoded = Stream.of(path.split("/", -1))
                .map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining("/"));
        return URI.create(registry + "/api/v1/artifacts/" + artifactId + "/files/" + encoded);
    }
}
