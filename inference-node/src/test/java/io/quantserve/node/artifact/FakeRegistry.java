package io.quantserve.node.artifact;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quantserve.store.Sha256;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.json.JsonMapper;

/**
 * The registry's artifact API on localhost, as {@code ArtifactController} answers it: {@code GET
 * /api/v1/artifacts/<id>} gives the {@code ArtifactResponse} JSON (files with path, size, sha256), {@code GET
 * /api/v1/artifacts/<id>/files/<path>} the file, unknown ids a 404 problem. Requests are recorded.
 */
final class FakeRegistry implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<UUID, Map<String, Path>> artifacts = new ConcurrentHashMap<>();
    private final Set<String> wrongSha = ConcurrentHashMap.newKeySet();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    FakeRegistry() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/api/v1/artifacts/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Publishes {@code files} as an artifact, each under its file name. */
    FakeRegistry artifact(UUID id, Path... files) {
        Map<String, Path> byName = new LinkedHashMap<>();
        for (Path file : files) {
            byName.put(file.getFileName().toString(), file);
        }
        artifacts.put(id, byName);
        return this;
    }

    /** The artifact's file list shows a wrong sha256 for {@code path}. */
    FakeRegistry advertiseWrongSha256(String path) {
        wrongSha.add(path);
        return this;
    }

    /** Lists one more file under another path (e.g. one that leaves the artifact folder). */
    FakeRegistry listAlso(UUID id, String path, Path file) {
        artifacts.get(id).put(path, file);
        return this;
    }

    void clear() {
        wrongSha.clear();
        requests.clear();
    }

    List<String> requests() {
        return List.copyOf(requests);
    }

    static String wrongSha256() {
        return "0".repeat(64);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            requests.add(exchange.getRequestMethod() + " " + path);
            String[] parts = path.substring("/api/v1/artifacts/".length()).split("/", 3);
            UUID id = UUID.fromString(parts[0]);
            Map<String, Path> files = artifacts.get(id);
            if (files == null) {
                send(exchange, 404, "application/problem+json", JSON.writeValueAsBytes(Map.of("type", "about:blank",
                        "title", "Not Found", "status", 404, "detail", "artifact " + id + " not found")));
            } else if (parts.length == 1) {
                send(exchange, 200, "application/json", JSON.writeValueAsBytes(response(id, files)));
            } else if (parts.length == 3 && parts[1].equals("files")) {
                Path file = files.get(URLDecoder.decode(parts[2], StandardCharsets.UTF_8));
                if (file == null) {
                    send(exchange, 404, "application/problem+json", new byte[0]);
                } else {
                    send(exchange, 200, "application/octet-stream", Files.readAllBytes(file));
                }
            } else {
                send(exchange, 404, "application/problem+json", new byte[0]);
            }
        }
    }

    /** {@code ArtifactResponse}: id, jobId, modelId, format, method, bits, groupSize, size, storageUri, files... */
    private Map<String, Object> response(UUID id, Map<String, Path> files) throws IOException {
        List<Map<String, Object>> list = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, Path> e : files.entrySet()) {
            long size = Files.size(e.getValue());
            total += size;
            list.add(Map.of("path", e.getKey(), "size", size,
                    "sha256", wrongSha.contains(e.getKey()) ? wrongSha256() : Sha256.of(e.getValue())));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id.toString());
        body.put("jobId", UUID.randomUUID().toString());
        body.put("modelId", UUID.randomUUID().toString());
        body.put("format", "gguf");
        body.put("method", "gguf");
        body.put("bits", 32);
        body.put("groupSize", -1);
        body.put("size", total);
        body.put("storageUri", "file:///store/artifacts/" + id + "/");
        body.put("files", list);
        body.put("report", null);
        body.put("createdAt", "2026-01-01T00:00:00Z");
        return body;
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
