package io.quantserve.engine.benchserve;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;

/**
 * Sends one streaming completion request to an OpenAI-compatible server and times it. Blocking by design: each
 * request runs on its own virtual thread, which keeps the timing code straight-line.
 */
public final class OpenAiStreamClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI endpoint;
    private final String model;
    private final String apiKey;

    /** @param apiKey sent as {@code Authorization: Bearer KEY}; null or blank = no Authorization header */
    public OpenAiStreamClient(URI endpoint, String model, String apiKey) {
        this.endpoint = endpoint;
        this.model = model;
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        // HTTP/1.1: cleartext HTTP/2 upgrade attempts confuse some servers, and one connection per in-flight request
        // is what a fleet of real clients looks like.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** The exception and its causes, since the JDK client often wraps the telling one ("Connection refused"). */
    static String describe(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null && s.length() < 300; t = t.getCause()) {
            s.append(s.isEmpty() ? "" : " <- ").append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                s.append(": ").append(t.getMessage());
            }
        }
        return s.toString();
    }

    /** The JSON body: greedy, exactly {@code outputTokens} tokens (EOS ignored), usage in the last chunk. */
    String body(BenchRequest request) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("prompt", request.text() != null ? request.text() : request.tokenIds());
        body.put("max_tokens", request.outputTokens());
        body.put("stream", true);
        body.put("stream_options", Map.of("include_usage", true));
        body.put("ignore_eos", true);
        body.put("temperature", 0);
        return JSON.writeValueAsString(body);
    }

    /** Sends the request and reads its whole stream; never throws for a failed request, it is a failed result. */
    public RequestResult send(BenchRequest request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body(request)));
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        HttpRequest httpRequest = builder.build();
        long sent = System.nanoTime();
        CompletionStream stream = new CompletionStream(sent, request.inputTokens());
        try {
            HttpResponse<InputStream> response = http.send(httpRequest, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    String text = new String(in.readNBytes(1000), StandardCharsets.UTF_8);
                    return RequestResult.failed("HTTP " + response.statusCode() + ": "
                            + CompletionStream.abbreviate(text), (System.nanoTime() - sent) / 1e9);
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                String line;
                while (!stream.finished() && (line = reader.readLine()) != null) {
                    stream.line(line, System.nanoTime());
                }
            }
            return stream.end(System.nanoTime(), null);
        } catch (IOException e) {
            return stream.end(System.nanoTime(), describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return stream.end(System.nanoTime(), "interrupted");
        }
    }
}
