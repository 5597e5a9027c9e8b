package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * awq_mma.cu's fragment logic on the host, where no GPU is needed: src/test/cuda/awq_mma_fragments_test.cu builds
 * every lane's A and B fragments with the kernel's own functions, places them back by PTX's m16n8k16 layout and
 * compares them (and one k16 step's scaled product) with the dequantized weights. Needs nvcc; skipped without it.
 */
class AwqMmaFragmentsTest {

    @Test
    void shouldBuildEveryLanesFragmentsAsTheMmaLayoutPlacesThem() throws Exception {
        Optional<Path> nvcc = GpuResourcesTest.cudaTool("nvcc");
        assumeTrue(nvcc.isPresent(), "nvcc not found (PATH, /usr/local/cuda/bin): fragment logic not checked here");
        Path dir = Files.createDirectories(Path.of("target/cuda-host-tests"));
        Path binary = dir.resolve("awq_mma_fragments_test");
        Files.deleteIfExists(binary);
        String compiled = run(nvcc.get().toString(), "-std=c++17", "-arch=sm_80", "-o", binary.toString(),
                "src/test/cuda/awq_mma_fragments_test.cu");
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
