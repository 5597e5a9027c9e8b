package io.quantserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Child JVM handling, on {@link TinyHttpService} packed into a jar the way Spring Boot's jars are started. */
class PlatformTest {

    @TempDir
    Path dir;

    Path jar;
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    Platform platform;

    @BeforeEach
    void packService() throws Exception {
        jar = dir.resolve("tiny-service.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, TinyHttpService.class.getName());
        Path classes = Path.of(TinyHttpService.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classes.toUri().toString());
        try (OutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            // the manifest is the whole jar: the class comes from the Class-Path entry
        }
        platform = Platform.builder().repoRoot(dir).logsDir(dir.resolve("logs"))
                .environment(Map.of("QUANTSERVE_SHARED", "for-everyone"))
                .console(new PrintStream(console, true)).build();
    }

    @Test
    void shouldStartAServiceWithItsEnvironmentFlagsAndLogFile() throws Exception {
        int port = freePort();
        ServiceProcess service = platform.start("tiny", jar, Platform.WORKER_JVM_FLAGS,
                Map.of("SERVER_PORT", String.valueOf(port), "QUANTSERVE_OWN", "just-me"));
        try {
            service.awaitHttpOk(URI.create("http://localhost:" + port + "/actuator/health"), Duration.ofSeconds(60));

            assertThat(get(port, "/env/QUANTSERVE_OWN")).isEqualTo("just-me");
            assertThat(get(port, "/env/QUANTSERVE_SHARED")).isEqualTo("for-everyone");
            assertThat(service.logFile()).isEqualTo(dir.resolve("logs/tiny.log"));
            assertThat(service.logTail(5)).contains("tiny service up").contains("jdk.incubator.vector");
        } finally {
            platform.close();
        }
        assertThat(service.isAlive()).isFalse();
        assertThat(console.toString()).doesNotContain("unexpectedly");
    }

    @Test
    void shouldKillAServiceLikeACrash() throws Exception {
        int port = freePort();
        ServiceProcess service = platform.start("victim", jar, List.of(), Map.of("SERVER_PORT", String.valueOf(port)));
        service.awaitHttpOk(URI.create("http://localhost:" + port + "/actuator/health"), Duration.ofSeconds(60));

        service.kill();

        assertThat(service.isAlive()).isFalse();
        assertThat(service.exitCode()).hasValue(137);
        assertThat(platform.services()).containsExactly(service);
    }

    @Test
    void shouldReportAServiceThatExitsOnItsOwnWithTheEndOfItsLog() throws Exception {
        int port = freePort();
        ServiceProcess service = platform.start("quitter", jar, List.of(),
                Map.of("SERVER_PORT", String.valueOf(port), "EXIT_AFTER_MS", "0"));

        service.process().waitFor();
        assertThatThrownBy(() -> service.awaitHttpOk(URI.create("http://localhost:" + port + "/"), Duration.ofSeconds(60)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("quitter exited with code 3")
                .hasMessageContaining("tiny service up");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!console.toString().contains("exited unexpectedly") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(console.toString()).contains("quantserve: quitter (pid " + service.pid() + ") exited unexpectedly with code 3");
    }

    @Test
    void shouldNameTheBuildCommandWhenAServiceJarIsMissing() {
        assertThatThrownBy(() -> platform.startRegistry(Map.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("model-registry")
                .hasMessageContaining("./mvnw");
    }

    @Test
    void shouldFindTheNewestBootJarOfAModule() throws IOException {
        Path target = Files.createDirectories(dir.resolve("quant-worker/target"));
        Files.createFile(target.resolve("quant-worker-0.1.0-SNAPSHOT.jar"));
        Files.createFile(target.resolve("quant-worker-0.1.0-SNAPSHOT-sources.jar"));
        Files.createFile(target.resolve("quant-worker-0.1.0-SNAPSHOT.jar.original"));

        assertThat(platform.jar("quant-worker")).isEqualTo(target.resolve("quant-worker-0.1.0-SNAPSHOT.jar"));
    }

    @Test
    void shouldRunServicesFromACopyThatARebuildLeavesAlone() throws Exception {
        Path target = Files.createDirectories(dir.resolve("quant-worker/target"));
        Path built = Files.writeString(target.resolve("quant-worker-0.1.0-SNAPSHOT.jar"), "first build");
        Platform copying = Platform.builder().repoRoot(dir).logsDir(dir.resolve("logs")).runDir(dir.resolve("run"))
                .build();

        Path running = copying.serviceJar("quant-worker");
        Files.writeString(built, "rebuilt while running");

        assertThat(running).isEqualTo(dir.resolve("run/quant-worker.jar")).hasContent("first build");
        assertThat(copying.serviceJar("quant-worker")).as("a second worker runs the same copy").isEqualTo(running)
                .hasContent("first build");
        assertThat(Files.list(dir.resolve("run"))).containsExactly(running);
        assertThat(platform.serviceJar("quant-worker")).as("without a run folder: the built jar").isEqualTo(built);
    }

    private static String get(int port, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
