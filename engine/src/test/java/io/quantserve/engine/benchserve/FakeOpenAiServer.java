package io.quantserve.engine.benchserve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A minimal OpenAI-compatible streaming completions server: {@code max_tokens} one-token chunks, a delay before the
 * first and between the others, an optional usage chunk, then {@code [DONE]}. It records the request bodies, their
 * Authorization headers and the most requests it ever had in flight, and can answer every k-th request with HTTP 500.
 */
final class FakeOpenAiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Duration firstDelay;
    private final Duration chunkDelay;
    private final boolean sendUsage;
    private final int failEvery;
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    /** Each request's Authorization header, "" where it had none. */
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    /** @param failEvery every this many-th request (1-based) gets a 500; 0 = none */
    FakeOpenAiServer(Duration firstDelay, Duration chunkDelay, boolean sendUsage, int failEvery) throws IOException {
        this.firstDelay = firstDelay;
        this.chunkDelay = chunkDelay;
        this.sendUsage = sendUsage;
        this.failEvery = failEvery;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // One virtual thread per exchange: the server itself must never be what limits concurrency.
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/completions", this::handle);
        server.start();
    }

    /**
     * Standalone, to try {@code ./quantserve bench-serve} by hand: args first-delay-ms chunk-delay-ms fail-every. Prints
     * the base URL and serves until killed.
     */
    public static void main(String[] args) throws Exception {
        FakeOpenAiServer server = new FakeOpenAiServer(Duration.ofMillis(Long.parseLong(args[0])),
                Duration.ofMillis(Long.parseLong(args[1])), true, Integer.parseInt(args[2]));
        System.out.println("http://127.0.0.1:" + server.endpoint().getPort());
        Thread.currentThread().join();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/completions");
    }

    int maxInFlight() {
        return maxInFlight.get();
    }

    /**
     * Counts a request in flight until just before its last bytes go out: the client can only start its next request
     * after reading them, so the count never runs ahead of the client's true concurrency.
     */
    private void handle(HttpExchange exchange) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        boolean counted = true;
        try (exchange) {
            JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
            bodies.add(body);
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(authorization == null ? "" : authorization);
            int n = received.incrementAndGet();
            if (failEvery > 0 && n % failEvery == 0) {
                byte[] error = "{\"error\":{\"message\":\"injected failure\"}}".getBytes(StandardCharsets.UTF_8);
                inFlight.decrementAndGet();
                counted = false;
                exchange.sendResponseHeaders(500, error.length);
                exchange.getResponseBody().write(error);
                return;
            }
            int tokens = body.get("max_tokens").asInt();
            int promptTokens = body.get("prompt").isArray() ? body.get("prompt").size() : 7;
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < tokens; i++) {
                Thread.sleep(i == 0 ? firstDelay : chunkDelay);
                event(out, "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\" t" + i
                        + "\",\"finish_reason\":" + (i == tokens - 1 ? "\"length\"" : "null") + "}],\"usage\":null}");
            }
            if (sendUsage && body.path("stream_options").path("include_usage").asBoolean()) {
                event(out, "{\"id\":\"cmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + promptTokens
                        + ",\"completion_tokens\":" + tokens + ",\"total_tokens\":" + (promptTokens + tokens) + "}}");
            }
            inFlight.decrementAndGet();
            counted = false;
            event(out, "[DONE]");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (counted) {
                inFlight.decrementAndGet();
            }
        }
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush(); // each event goes out as its own chunk, as a real streaming server does
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
