package io.quantserve.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * A Hugging Face Hub on localhost (JDK only), serving local folders the way the Hub serves repositories:
 * <ul>
 * <li>{@code GET /api/models/<repo>/revision/<rev>?blobs=true}: {@code id}, {@code sha} (a fixed fake commit per
 * repo), {@code siblings} with {@code rfilename}, {@code size} and, for LFS files, {@code lfs{sha256,size}}. The
 * revision must be {@code main} or the commit; anything else is a 404 with {@code X-Error-Code: RevisionNotFound},
 * an unknown repo a 404 with {@code RepoNotFound}.
 * <li>{@code GET /<repo>/resolve/<rev>/<file>}: plain files directly; LFS files (*.safetensors, *.bin, *.gguf and
 * anything over 10 KB) by a 302 to a second server (the "CDN", another origin, like cdn-lfs.huggingface.co).
 * <li>{@code Range: bytes=N-} on both servers (206 + Content-Range, 416 past the end).
 * <li>{@link #requireToken}: the Hub answers 401 without {@code Authorization: Bearer <token>} (403 for a wrong one);
 * the CDN never needs it.
 * <li>{@link #dropConnectionOnce}: the next full download of that file stops halfway and the connection is closed.
 * <li>{@link #advertiseWrongSha256}: the revision API lists a wrong LFS sha256 for that file.
 * <li>{@link #fileUrl}: a plain URL (no redirect, no token) for a file of a repo, for URL imports.
 * </ul>
 * Every request is recorded ({@link #requests()}).
 *
 * <pre>{@code
 * try (FakeHub hub = FakeHub.start(Map.of("org/tiny-llama", fixtures.resolve("models/tiny-llama")))) {
 *     // quantserve.registry.hub.endpoint = hub.endpoint(); source = "hf://org/tiny-llama@main"
 * }
 * }</pre>
 */
public final class FakeHub implements AutoCloseable {
    private static final long LFS_THRESHOLD = 10 * 1024;

    /** One recorded request: which server ("hub" or "cdn"), method, path with query, and two headers. */
    public record Request(String server, String method, String path, String authorization, String range) {
    }

    private final Map<String, Path> repos;
    private final HttpServer hub;
    private final HttpServer cdn;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Set<String> dropOnce = ConcurrentHashMap.newKeySet();
    private final Set<String> wrongSha = ConcurrentHashMap.newKeySet();
    private volatile String token;

    private FakeHub(Map<String, Path> repos) throws IOException {
        this.repos = Map.copyOf(repos);
        this.hub = server();
        this.cdn = server();
        hub.createContext("/", exchange -> handle("hub", exchange));
        cdn.createContext("/", exchange -> handle("cdn", exchange));
        hub.start();
        cdn.start();
    }

    /** Starts both servers on free ports; {@code repos} maps a repo id ({@code org/name}) to a local folder. */
    public static FakeHub start(Map<String, Path> repos) {
        try {
            return new FakeHub(repos);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Hub's base URL, e.g. {@code http://127.0.0.1:PORT} (what HF_ENDPOINT would be). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    /** The other origin LFS downloads are redirected to. */
    public URI cdnEndpoint() {
        return URI.create("http://127.0.0.1:" + cdn.getAddress().getPort());
    }

    /** The fake commit sha of a repo (40 hex digits). */
    public String commitSha(String repo) {
        return sha1Hex(repo);
    }

    /** From now on the Hub wants {@code Authorization: Bearer <token>}; null turns that off. */
    public FakeHub requireToken(String token) {
        this.token = token;
        return this;
    }

    /** The next full (not ranged) download of {@code file} (path in its repo) stops halfway. */
    public FakeHub dropConnectionOnce(String file) {
        dropOnce.add(file);
        return this;
    }

    /** The revision API lists a wrong LFS sha256 for {@code file}. */
    public FakeHub advertiseWrongSha256(String file) {
        wrongSha.add(file);
        return this;
    }

    /** A plain URL that serves a repo's file without redirect or token. */
    public URI fileUrl(String repo, String file) {
        return URI.create(cdnEndpoint() + "/files/" + repo + "/" + file);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public void clearRequests() {
        requests.clear();
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
    }

    private static HttpServer server() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-hub");
            t.setDaemon(true);
            return t;
        }));
        return server;
    }

    private void handle(String server, HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            requests.add(new Request(server, exchange.getRequestMethod(), query == null ? path : path + "?" + query,
                    authorization, exchange.getRequestHeaders().getFirst("Range")));
            String decoded = exchange.getRequestURI().getPath();
            if (server.equals("cdn")) {
                serveCdn(exchange, decoded);
            } else if (!authorized(exchange, authorization)) {
                return;
            } else if (decoded.startsWith("/api/models/")) {
                serveRevision(exchange, decoded.substring("/api/models/".length()));
            } else if (decoded.contains("/resolve/")) {
                serveResolve(exchange, decoded.substring(1));
            } else {
                error(exchange, 404, "EntryNotFound", "no route " + decoded);
            }
        } catch (DroppedConnection e) {
            throw e; // the JDK server closes the connection of a handler that throws
        } catch (IOException | RuntimeException e) {
            // the client went away; nothing to answer
        }
    }

    private boolean authorized(HttpExchange exchange, String authorization) throws IOException {
        String required = token;
        if (required == null) {
            return true;
        }
        if (authorization == null) {
            error(exchange, 401, "GatedRepo", "Access to this repository is restricted: log in");
            return false;
        }
        if (!authorization.equals("Bearer " + required)) {
            error(exchange, 403, "GatedRepo", "Your token has no access to this gated repository");
            return false;
        }
        return true;
    }

    private void serveRevision(HttpExchange exchange, String rest) throws IOException {
        int at = rest.indexOf("/revision/");
        if (at < 0) {
            error(exchange, 404, "EntryNotFound", "use /api/models/<repo>/revision/<rev>");
            return;
        }
        String repo = rest.substring(0, at);
        String revision = rest.substring(at + "/revision/".length());
        Path folder = repos.get(repo);
        if (folder == null) {
            error(exchange, 404, "RepoNotFound", "Repository not found");
            return;
        }
        if (!revision.equals("main") && !revision.equals(commitSha(repo))) {
            error(exchange, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        StringBuilder json = new StringBuilder();
        json.append("{\"id\":\"").append(repo).append("\",\"sha\":\"").append(commitSha(repo))
                .append("\",\"private\":false,\"siblings\":[");
        List<String> files = files(folder);
        for (int i = 0; i < files.size(); i++) {
            String file = files.get(i);
            Path p = folder.resolve(file);
            long size = Files.size(p);
            json.append(i == 0 ? "" : ",").append("{\"rfilename\":\"").append(file).append("\",\"size\":").append(size);
            if (isLfs(file, size)) {
                String sha = wrongSha.contains(file) ? "0".repeat(64) : sha256Hex(p);
                json.append(",\"lfs\":{\"sha256\":\"").append(sha).append("\",\"size\":").append(size)
                        .append(",\"pointerSize\":134}");
            }
            json.append('}');
        }
        json.append("]}");
        send(exchange, 200, "application/json", json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void serveResolve(HttpExchange exchange, String rest) throws IOException {
        int at = rest.indexOf("/resolve/");
        String repo = rest.substring(0, at);
        String afterResolve = rest.substring(at + "/resolve/".length());
        int slash = afterResolve.indexOf('/');
        Path folder = repos.get(repo);
        if (folder == null || slash < 0) {
            error(exchange, 404, "RepoNotFound", "Repository not found");
            return;
        }
        String revision = afterResolve.substring(0, slash);
        String file = afterResolve.substring(slash + 1);
        Path p = resolveInside(folder, file);
        if (!revision.equals("main") && !revision.equals(commitSha(repo))) {
            error(exchange, 404, "RevisionNotFound", "Invalid rev id: " + revision);
        } else if (p == null) {
            error(exchange, 404, "EntryNotFound", file + " does not exist");
        } else if (isLfs(file, Files.size(p))) {
            exchange.getResponseHeaders().add("Location", cdnEndpoint() + "/lfs/" + repo + "/" + file
                    + "?X-Amz-Signature=fake");
            exchange.sendResponseHeaders(302, -1);
        } else {
            serveFile(exchange, file, p);
        }
    }

    private void serveCdn(HttpExchange exchange, String path) throws IOException {
        String rest = path.startsWith("/lfs/") ? path.substring(5) : path.startsWith("/files/") ? path.substring(7)
                : null;
        for (var repo : rest == null ? List.<Map.Entry<String, Path>>of() : repos.entrySet()) {
            if (rest.startsWith(repo.getKey() + "/")) {
                String file = rest.substring(repo.getKey().length() + 1);
                Path p = resolveInside(repo.getValue(), file);
                if (p != null) {
                    serveFile(exchange, file, p);
                    return;
                }
            }
        }
        send(exchange, 404, "text/plain", "NoSuchKey".getBytes(StandardCharsets.UTF_8));
    }

    private void serveFile(HttpExchange exchange, String file, Path p) throws IOException {
        long size = Files.size(p);
        String range = exchange.getRequestHeaders().getFirst("Range");
        exchange.getResponseHeaders().add("Accept-Ranges", "bytes");
        exchange.getResponseHeaders().add("ETag", "\"" + sha256Hex(p) + "\"");
        long start = 0;
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            start = Long.parseLong(range.substring(6, range.length() - 1));
            if (start >= size) {
                exchange.getResponseHeaders().add("Content-Range", "bytes */" + size);
                exchange.sendResponseHeaders(416, -1);
                return;
            }
            exchange.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + (size - 1) + "/" + size);
        }
        exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(start > 0 ? 206 : 200, size - start == 0 ? -1 : size - start);
        boolean drop = start == 0 && dropOnce.remove(file);
        try (InputStream in = Files.newInputStream(p); OutputStream out = exchange.getResponseBody()) {
            in.skipNBytes(start);
            if (drop) {
                out.write(in.readNBytes((int) Math.min(size / 2, Integer.MAX_VALUE)));
                out.flush();
                throw new DroppedConnection();
            }
            in.transferTo(out);
        }
    }

    /** Thrown out of the handler so that the server closes the connection short of the Content-Length. */
    private static final class DroppedConnection extends RuntimeException {
        DroppedConnection() {
            super("connection dropped on purpose", null, false, false);
        }
    }

    private static Path resolveInside(Path folder, String file) {
        Path p = folder.resolve(file).normalize();
        return p.startsWith(folder.normalize()) && Files.isRegularFile(p) ? p : null;
    }

    private static boolean isLfs(String file, long size) {
        return file.endsWith(".safetensors") || file.endsWith(".bin") || file.endsWith(".gguf") || size > LFS_THRESHOLD;
    }

    private static List<String> files(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).map(p -> folder.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        }
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        exchange.getResponseHeaders().add("X-Error-Code", code);
        exchange.getResponseHeaders().add("X-Error-Message", message);
        byte[] body = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        send(exchange, status, "application/json", body);
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String sha256Hex(Path p) throws IOException {
        MessageDigest digest = digest("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String sha1Hex(String s) {
        return HexFormat.of().formatHex(digest("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Convenience for tests: one repo. */
    public static FakeHub serving(String repo, Path folder) {
        Map<String, Path> repos = new LinkedHashMap<>();
        repos.put(repo, folder);
        return start(repos);
    }

    /** The files a repo folder exposes, sorted (what the revision API lists). */
    public List<String> filesOf(String repo) {
        try {
            return new ArrayList<>(files(repos.get(repo)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
