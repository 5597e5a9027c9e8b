package io.quantserve.launcher.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The registry's REST API as the end-to-end tests use it: JSON in, status + JSON out. */
final class RegistryClient {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newHttpClient();
    private final URI base;

    RegistryClient(URI base) {
        this.base = base;
    }

    record Response(int status, JsonNode body, String text) {
    }

    Response get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    Response post(String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    byte[] download(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " -> " + r.statusCode());
        }
        return r.body();
    }

    /** Polls {@code path} until its JSON satisfies {@code done}; fails with the last body after {@code timeout}. */
    JsonNode await(String path, Predicate<JsonNode> done, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Response last = null;
        while (System.nanoTime() < deadline) {
            last = get(path);
            if (last.status() == 200 && done.test(last.body())) {
                return last.body();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting on " + path + "; last: "
                + (last == null ? "no answer" : last.status() + " " + last.text()));
    }

    private Response send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = r.body().isBlank() ? null : JSON.readTree(r.body());
        return new Response(r.statusCode(), body, r.body());
    }
}
