package io.quantserve.hub;

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
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Hugging Face Hub HTTP API: the revision endpoint ({@code /api/models/<repo>/revision/<rev>?blobs=true}) for the
 * commit and the file list, {@code /<repo>/resolve/<commit>/<file>} for the files (LFS files redirect to a CDN).
 */
public class HubClient {
    private final URI endpoint;
    private final String token;
    private final HttpClient http;
    private final Duration timeout;
    private final HttpDownloader downloader;
    private final JsonMapper json = JsonMapper.builder().build();

    /**
     * @param token   null or blank for anonymous access
     * @param retries extra attempts per file after a dropped connection
     */
    public HubClient(URI endpoint, String token, Duration connectTimeout, Duration timeout, int retries) {
        this.endpoint = URI.create(endpoint.toString().replaceAll("/+$", "") + "/");
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(connectTimeout)
                .build();
        this.timeout = timeout;
        this.downloader = new HttpDownloader(connectTimeout, timeout, retries);
    }

    public URI endpoint() {
        return endpoint;
    }

    /** For downloads from other hosts (plain URLs): the token goes to the Hub's origin only. */
    public HttpDownloader downloader() {
        return downloader;
    }

    public HttpDownloader.Credentials credentials() {
        return new HttpDownloader.Credentials(endpoint, token);
    }

    /**
     * The repository at {@code revision} (branch, tag or commit), with the commit it resolves to and every file.
     *
     * @throws HubException naming the repository and revision when they are unknown, gated or private
     */
    public HubRepo resolve(String repo, String revision) {
        URI uri = endpoint.resolve("api/models/" + repo + "/revision/" + encode(revision) + "?blobs=true");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new HubException("cannot reach the Hub at " + endpoint + ": " + (e.getMessage() != null
                    ? e.getMessage() : e.getClass().getSimpleName()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while asking the Hub for " + repo, e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw revisionError(repo, revision, response);
            }
            return parse(repo, revision, json.readTree(body));
        } catch (IOException | tools.jackson.core.JacksonException e) {
            throw new HubException("reading the Hub's answer for " + repo + "@" + revision + ": " + e.getMessage(), e);
        }
    }

    /** Downloads one file of {@code repo} at its commit to {@code target}; returns its SHA-256 (checked for LFS). */
    public String download(HubRepo repo, HubFile file, Path target) throws IOException {
        URI uri = endpoint.resolve(repo.id() + "/resolve/" + encode(repo.sha()) + "/" + encodePath(file.path()));
        return downloader.download(uri, target, file.size(), file.lfsSha256(), credentials(), file.path());
    }

    private HubRepo parse(String repo, String revision, JsonNode root) {
        String sha = root.path("sha").asString(null);
        if (sha == null || !root.path("siblings").isArray()) {
            throw new HubException("the Hub's answer for " + repo + "@" + revision + " has no commit sha or file list",
                    -1);
        }
        List<HubFile> files = new ArrayList<>();
        for (JsonNode sibling : root.path("siblings")) {
            String name = sibling.path("rfilename").asString(null);
            if (name == null) {
                continue;
            }
            JsonNode lfs = sibling.path("lfs");
            long size = lfs.isObject() ? lfs.path("size").asLong(-1) : sibling.path("size").asLong(-1);
            files.add(new HubFile(name, size, lfs.isObject() ? lfs.path("sha256").asString(null) : null));
        }
        return new HubRepo(root.path("id").asString(repo), revision, sha, List.copyOf(files));
    }

    private HubException revisionError(String repo, String revision, HttpResponse<?> response) {
        int status = response.statusCode();
        String code = response.headers().firstValue("X-Error-Code").orElse("");
        String detail = response.headers().firstValue("X-Error-Message").map(m -> " (" + m + ")").orElse("");
        String message = switch (status) {
            case 401 -> token == null
                    ? "Hub repository '" + repo + "' is gated, private or does not exist (401): set HF_TOKEN to a "
                            + "token with access"
                    : "Hub repository '" + repo + "' is gated, private or does not exist, and the token (HF_TOKEN) "
                            + "was refused (401)";
            case 403 -> "Hub repository '" + repo + "' is gated: the token (HF_TOKEN) has not been granted "
                    + "access (403)";
            case 404 -> code.equals("RevisionNotFound")
                    ? "revision '" + revision + "' not found in Hub repository '" + repo + "' (404)"
                    : "Hub repository '" + repo + "' or its revision '" + revision + "' not found (404)";
            default -> "the Hub answered HTTP " + status + " for " + repo + "@" + revision;
        };
        return new HubException(message + detail, status);
    }

    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String encodePath(String path) {
        return Stream.of(path.split("/", -1)).map(HubClient::encode).collect(Collectors.joining("/"));
    }
}
