package io.quantserve.launcher;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One platform service (registry or worker) running as a child JVM, its output appended to a log file. */
public final class ServiceProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final Path logFile;
    private volatile boolean stopping;

    ServiceProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /** {@code model-registry}, {@code quant-worker}, {@code quant-worker-2}... */
    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code once it has exited. */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /** True once {@link #stop} or {@link #kill} was asked for: an exit after that is expected. */
    public boolean stopping() {
        return stopping;
    }

    /** Kills the process at once (SIGKILL), as a crash would, and waits until it is gone. */
    public void kill() throws InterruptedException {
        stopping = true;
        process.destroyForcibly();
        process.waitFor();
    }

    /** Asks the process to stop (SIGTERM: Spring shuts down gracefully); after {@code grace}, kills it. */
    public int stop(Duration grace) throws InterruptedException {
        requestStop();
        return awaitStop(grace);
    }

    void requestStop() {
        stopping = true;
        process.destroy();
    }

    int awaitStop(Duration grace) throws InterruptedException {
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        return process.exitValue();
    }

    /**
     * Waits until {@code url} answers 200 (e.g. {@code /actuator/health}).
     *
     * @throws IllegalStateException when the process exits first, with the end of its log
     * @throws TimeoutException      when {@code timeout} passes first
     */
    public void awaitHttpOk(URI url, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + " before " + url
                        + " answered; end of " + logFile + ":\n" + logTail(40));
            }
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + response.statusCode() + " " + response.body();
            } catch (ConnectException e) {
                last = "connection refused";
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new TimeoutException(name + " did not answer " + url + " with 200 within " + timeout.toSeconds() + " s (" + last
                + "); see " + logFile);
    }

    /** The last {@code lines} lines of its log (empty when there is none yet). */
    public String logTail(int lines) {
        try (var channel = Files.newByteChannel(logFile)) {
            long size = channel.size();
            long from = Math.max(0, size - 64 * 1024);
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) (size - from));
            channel.position(from);
            while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                // read the end of the log
            }
            List<String> all = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (java.nio.file.NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e.getMessage() + ")";
        }
    }

    Process process() {
        return process;
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + (process.isAlive() ? "" : ", exited " + process.exitValue()) + ")";
    }
}
