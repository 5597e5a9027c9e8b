package io.quantserve.node.artifact;

import io.quantserve.hub.HubClient;
import io.quantserve.hub.HubException;
import io.quantserve.hub.HubFile;
import io.quantserve.hub.HubRepo;
import io.quantserve.hub.HubSource;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls a Hub repository at a revision into {@code <cacheDir>/hub/<org>--<name>/<commit>/}, with the LFS files'
 * SHA-256 and every file's size verified. {@code refs/<revision>} beside the commit folders records which commit a
 * branch or tag resolved to, so that a node restarted without network serves the copy it pulled before.
 */
final class HubPuller {
    private static final Logger log = LoggerFactory.getLogger(HubPuller.class);
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    /** Other copies of the same weights, not downloaded when the repository has safetensors (as the registry). */
    private static final List<PathMatcher> DUPLICATE_WEIGHTS = List.of("**.bin", "**.pt", "**.pth", "**.h5",
            "**.msgpack", "**.onnx", "**.onnx_data", "**.ot", "**.gguf", "original/**").stream()
            .map(glob -> FileSystems.getDefault().getPathMatcher("glob:" + glob)).toList();

    private final HubClient hub;
    private final Path cacheDir;

    HubPuller(HubClient hub, Path cacheDir) {
        this.hub = hub;
        this.cacheDir = cacheDir;
    }

    Path pull(HubSource source) {
        Path repoDir = cacheDir.resolve("hub").resolve(source.repo().replace("/", "--"));
        if (COMMIT.matcher(source.revision()).matches()) {
            Optional<Path> cached = new CacheEntry(repoDir.resolve(source.revision())).complete();
            if (cached.isPresent()) {
                log.info("{}: using the cached copy in {}", source, cached.get());
                return cached.get();
            }
        }
        HubRepo repo;
        try {
            repo = hub.resolve(source.repo(), source.revision());
        } catch (HubException e) {
            Optional<Path> cached = e.status() < 0 && e.getCause() instanceof IOException
                    ? cachedForRef(repoDir, source.revision()) : Optional.empty();
            if (cached.isPresent()) {
                log.warn("{}: {}; serving the copy pulled before, {}", source, e.getMessage(), cached.get());
                return cached.get();
            }
            throw new ModelPullException(source + ": " + e.getMessage(), e);
        }
        CacheEntry entry = new CacheEntry(CacheEntry.inside(repoDir, repo.sha()));
        try {
            Optional<Path> cached = entry.complete();
            if (cached.isPresent()) {
                log.info("{}: commit {}, using the cached copy in {}", source, repo.sha(), cached.get());
                writeRef(repoDir, source.revision(), repo.sha());
                return cached.get();
            }
            List<HubFile> files = selectFiles(source, repo);
            Path dir = entry.fill(source.toString(), partial -> {
                files.forEach(f -> CacheEntry.inside(partial, f.path())); // refuse odd paths before any download
                log.info("{}: pulling {} files of commit {} from {} into {}", source, files.size(), repo.sha(),
                        hub.endpoint(), entry.dir());
                List<CacheEntry.CachedFile> pulled = new ArrayList<>();
                for (HubFile file : files) {
                    Path target = CacheEntry.inside(partial, file.path());
                    // a verified LFS file left by an interrupted pull is kept; small git files are fetched again
                    String sha256 = file.lfsSha256() != null && CacheEntry.holds(target, file.size(), file.lfsSha256())
                            ? file.lfsSha256() : hub.download(repo, file, target);
                    pulled.add(new CacheEntry.CachedFile(file.path(), Files.size(target), sha256));
                }
                return pulled;
            });
            writeRef(repoDir, source.revision(), repo.sha());
            return dir;
        } catch (HubException e) {
            throw new ModelPullException(source + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelPullException(source + ": cannot write the cache at " + entry.dir() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Every file but duplicate weight formats when there are safetensors. A repository of several .gguf files (one
     * per quantization, as GGUF repositories are) cannot stand for one model.
     */
    private static List<HubFile> selectFiles(HubSource source, HubRepo repo) {
        boolean safetensors = repo.files().stream().anyMatch(f -> f.path().endsWith(".safetensors"));
        List<HubFile> files = repo.files().stream()
                .filter(f -> !safetensors || DUPLICATE_WEIGHTS.stream().noneMatch(m -> m.matches(Path.of(f.path()))))
                .toList();
        List<String> ggufs = files.stream().map(HubFile::path).filter(p -> p.endsWith(".gguf")).toList();
        if (ggufs.size() > 1) {
            throw new ModelPullException(source + " holds " + ggufs.size() + " .gguf files " + ggufs + " and no "
                    + "safetensors: download the one to serve and start the node with its path");
        }
        return files;
    }

    private static Optional<Path> cachedForRef(Path repoDir, String revision) {
        Path ref = refFile(repoDir, revision);
        try {
            if (!Files.isRegularFile(ref)) {
                return Optional.empty();
            }
            String commit = Files.readString(ref).strip();
            return COMMIT.matcher(commit).matches() ? new CacheEntry(repoDir.resolve(commit)).complete()
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void writeRef(Path repoDir, String revision, String commit) throws IOException {
        if (revision.equals(commit)) {
            return;
        }
        Path ref = refFile(repoDir, revision);
        Files.createDirectories(ref.getParent());
        Path tmp = ref.resolveSibling(ref.getFileName() + ".tmp");
        Files.writeString(tmp, commit + "\n");
        Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Path refFile(Path repoDir, String revision) {
        // a branch may have slashes (refs/pr/1): one file per revision, its name encoded
        return repoDir.resolve("refs").resolve(URLEncoder.encode(revision, StandardCharsets.UTF_8));
    }
}
