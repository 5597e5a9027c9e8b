package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kernels' arithmetic that needs no GPU, checked on the host: each {@code src/test/cuda/*_test.cu} includes a
 * kernel source, calls its {@code __host__ __device__} helpers (awq_mma.cu's fragments against PTX's m16n8k16
 * layout, awq_gemv.cu's exact dequantization) and prints "ok". Needs nvcc; skipped without it.
 */
class CudaHostChecksTest {
    private static final Path SOURCES = Path.of("src/test/cuda");

    static List<String> checks() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("_test.cu")).sorted().toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void shouldPassOnTheHost(String check) throws Exception {
        Optional<Path> nvcc = GpuResourcesTest.cudaTool("nvcc");
        assumeTrue(nvcc.isPresent(), "nvcc not found (PATH, /usr/local/cuda/bin): " + check + " not run here");
        Path dir = Files.createDirectories(Path.of("target/cuda-host-checks"));
        Path binary = dir.resolve(check.replace(".cu", ""));
        Files.deleteIfExists(binary);
        String compiled = run(nvcc.get().toString(), "-std=c++17", "-arch=sm_80", "-o", binary.toString(),
                SOURCES.resolve(check).toString());
        assertThat(Files.isExecutable(binary)).as("nvcc output: " + compiled).isTrue();
        assertThat(run(binary.toAbsolutePath().toString())).isEqualTo("ok\n");
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return out.toString(StandardCharsets.UTF_8);
    }
}
