package io.quantserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The root docker-compose.yml is valid Compose, checked by the docker-compose binary where it is installed. */
class DockerComposeFileTest {

    @Test
    void shouldBeAValidComposeFile() throws Exception {
        Path root = Platform.findRepoRoot(Path.of(""));
        Path compose = root.resolve("docker-compose.yml");
        List<String> command = composeCommand();
        Assumptions.assumeTrue(command != null,
                "neither docker-compose nor `docker compose` is installed (apt-get install docker-compose); not validating " + compose);

        Process process = new ProcessBuilder(concat(command, "-f", compose.toString(), "config", "-q"))
                .directory(root.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as("%s config -q said:%n%s", command, output).isZero();
    }

    @Test
    void shouldBuildTheServicesFromTheModuleDockerfiles() throws IOException {
        Path root = Platform.findRepoRoot(Path.of(""));
        String compose = Files.readString(root.resolve("docker-compose.yml"));

        assertThat(compose).contains("context: ./model-registry", "context: ./quant-worker", "image: postgres:16",
                "image: apache/kafka:");
        assertThat(root.resolve("model-registry/Dockerfile")).content().contains("target/model-registry-*.jar");
        assertThat(root.resolve("quant-worker/Dockerfile")).content().contains("target/quant-worker-*.jar")
                .contains("jdk.incubator.vector");
    }

    @Test
    void shouldOfferTheInferenceNodeOnTheCpuAndOnAnNvidiaGpu() throws IOException {
        Path root = Platform.findRepoRoot(Path.of(""));
        String compose = Files.readString(root.resolve("docker-compose.yml"));
        String gpu = compose.substring(compose.indexOf("  inference-node-gpu:"));

        assertThat(compose).contains("  inference-node: &inference-node", "profiles: [\"serve\"]");
        assertThat(gpu).contains("<<: *inference-node", "profiles: [\"serve-gpu\"]",
                "QUANTSERVE_NODE_ENGINE_BACKEND: cuda", "QUANTSERVE_NODE_ENGINE_GPUMEMORYUTILIZATION:",
                "driver: nvidia", "capabilities: [gpu]");
        assertThat(root.resolve("inference-node/Dockerfile")).content().contains("target/inference-node-*.jar");
    }

    private static List<String> composeCommand() {
        if (runs(List.of("docker-compose", "version"))) {
            return List.of("docker-compose");
        }
        if (runs(List.of("docker", "compose", "version"))) {
            return List.of("docker", "compose");
        }
        return null;
    }

    private static boolean runs(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        return java.util.stream.Stream.concat(head.stream(), java.util.Arrays.stream(tail)).toList();
    }
}
