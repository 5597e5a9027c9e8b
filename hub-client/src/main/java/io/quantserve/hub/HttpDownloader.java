package io.quantserve.hub;

import io.quantserve.store.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads one file over HTTP into {@code <target>.part}, then renames it to {@code target}: follows redirects itself
 * (sending the bearer token only to the origin it belongs to, never to the CDN a Hub redirects to), and after a
 * dropped connection or a 5xx continues the partial file with {@code Range: bytes=N-}.
 */
public class HttpDownloader {
    private static final Logger log = LoggerFactory.getLogger(HttpDownloader.class);
    private static final int MAX_REDIRECTS = 10;

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int retries;

    /**
     * @param readTimeout longest wait for the next bytes of an answer
     * @param retries     extra attempts after a dropped or stalled connection, a 5xx or a 429
     */
    public HttpDownloader(Duration connectTimeout, Duration readTimeout, int retries) {
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.retries = retries;
    }

    /** An origin and the token that may be sent to it; {@code token} null sends none. */
    public record Credentials(URI origin, String token) {
        public static final Credentials NONE = new Credentials(null, null);

        boolean appliesTo(URI uri) {
            return token != null && origin != null && sameOrigin(origin, uri);
        }
    }

    /**
     * Downloads {@code url} to {@code target} and returns the file's SHA-256 (hex).
     *
     * @param expectedSize   -1 when unknown
     * @param expectedSha256 null to skip the check
     * @param name           the file as people know it, for messages
     * @throws HubException with a reason naming {@code name} (HTTP status, size or checksum mismatch, retries spent)
     */
    public String download(URI url, Path target, long expectedSize, String expectedSha256, Credentials credentials,
            String name) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path part = target.resolveSibling(target.getFileName() + ".part");
        for (int attempt = 0; ; attempt++) {
            try {
                fetchInto(url, part, expectedSize, credentials, name);
                break;
            } catch (RetryableException | IOException e) {
                if (attempt >= retries) {
                    throw new HubException("download of " + name + " failed after " + (attempt + 1) + " attempts: "
                            + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
                }
                log.info("download of {} interrupted at {} bytes ({}); resuming", name, size(part), e.getMessage());
                sleep(Math.min(2000, 200L << attempt));
            }
        }
        long size = Files.size(part);
        if (expectedSize >= 0 && size != expectedSize) {
            Files.deleteIfExists(part);
            throw new HubException(name + ": expected " + expectedSize + " bytes, received " + size, -1);
        }
        String sha256 = Sha256.of(part);
        if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(sha256)) {
            Files.deleteIfExists(part);
            throw new HubException("sha256 mismatch for " + name + ": expected "
                    + expectedSha256.toLowerCase(Locale.ROOT)
                    + ", got " + sha256, -1);
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return sha256;
    }

    private void fetchInto(URI url, Path part, long expectedSize, Credentials credentials, String name)
            throws IOException, RetryableException {
        long have = size(part);
        if (expectedSize >= 0 && have == expectedSize) {
            return;
        }
        URI uri = url;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            try {
                connection.setInstanceFollowRedirects(false);
                connection.setConnectTimeout((int) connectTimeout.toMillis());
                // a stalled transfer fails after this long without a byte, and is then resumed
                connection.setReadTimeout((int) readTimeout.toMillis());
                if (credentials.appliesTo(uri)) {
                    connection.setRequestProperty("Authorization", "Bearer " + credentials.token());
                }
                if (have > 0) {
                    connection.setRequestProperty("Range", "bytes=" + have + "-");
                }
                int status = connection.getResponseCode();
                String location = connection.getHeaderField("Location");
                if (status >= 300 && status < 400 && location != null) {
                    uri = uri.resolve(location);
                    continue;
                }
                switch (status) {
                    case 200 -> copy(connection, part, 0, name);
                    case 206 -> {
                        checkRangeStart(connection.getHeaderField("Content-Range"), have, name);
                        copy(connection, part, have, name);
                    }
                    case 416 -> {
                        // the partial file is wrong (larger than the object, or the object changed): start over
                        Files.deleteIfExists(part);
                        throw new RetryableException(name + ": range not satisfiable from byte " + have);
                    }
                    default -> throw statusError(status, connection, uri, name);
                }
                return;
            } finally {
                connection.disconnect();
            }
        }
        throw new HubException(name + ": more than " + MAX_REDIRECTS + " redirects from " + url, -1);
    }

    private static void checkRangeStart(String range, long have, String name) throws IOException {
        // "bytes <start>-<end>/<total>"
        if (range == null || !range.startsWith("bytes " + have + "-")) {
            throw new IOException(name + ": asked for bytes from " + have + ", server answered Content-Range '"
                    + range + "'");
        }
    }

    private static RuntimeException statusError(int status, HttpURLConnection connection, URI uri, String name)
            throws RetryableException {
        if (status == 429 || status >= 500) {
            throw new RetryableException(name + ": HTTP " + status);
        }
        String message = connection.getHeaderField("X-Error-Message");
        String detail = message == null ? "" : " (" + message + ")";
        return switch (status) {
            case 401 -> new HubException(name + ": authentication required (401): a gated or private repository "
                    + "needs a token with access (HF_TOKEN)" + detail, status);
            case 403 -> new HubException(name + ": access denied (403): the token has no access to this gated or "
                    + "private repository" + detail, status);
            case 404 -> new HubException(name + ": not found (404) at " + uri + detail, status);
            default -> new HubException(name + ": HTTP " + status + " from " + uri + detail, status);
        };
    }

    /** Writes the body at {@code offset} of the part file; a body shorter than its Content-Length is an error. */
    private static void copy(HttpURLConnection connection, Path part, long offset, String name) throws IOException {
        long announced = connection.getContentLengthLong();
        long written;
        try (InputStream body = connection.getInputStream();
                OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        offset > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            written = body.transferTo(out);
        }
        if (announced >= 0 && written < announced) {
            throw new IOException(name + ": connection closed after " + written + " of " + announced + " bytes");
        }
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(lower(a.getScheme()), lower(b.getScheme())) && Objects.equals(lower(a.getHost()),
                lower(b.getHost())) && port(a) == port(b);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static long size(Path file) throws IOException {
        return Files.exists(file) ? Files.size(file) : 0;
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** A failure worth another try (5xx, 429, a bad range); the partial file stays. */
    private static final class RetryableException extends Exception {
        RetryableException(String message) {
            super(message);
        }
    }
}
