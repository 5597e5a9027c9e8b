package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kernels' arithmetic and indexing, checked on the host: each {@code src/test/cuda/*_test.cu} (built by nvcc)
 * includes a kernel source and calls its {@code __host__ __device__} helpers (awq_mma.cu's fragments against PTX's
 * m16n8k16 layout, awq_gemv.cu's exact dequantization); each {@code *_test.cpp} (built by the host C++ compiler with
 * the CUDA toolkit's headers) runs whole kernels under {@code src/test/cuda/emu}'s emulation against a reference,
 * under AddressSanitizer and UndefinedBehaviorSanitizer where the compiler has them: a read past the end of a buffer,
 * which the emulated driver's guard bytes cannot see (they catch writes), stops the check.
 * Each prints "ok". Needs nvcc (and c++ for the emulated ones); skipped without.
 */
class CudaHostChecksTest {
    private static final Path SOURCES = Path.of("src/test/cuda");

    static List<String> checks() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith("_test.cu") || n.endsWith("_test.cpp")).sorted().toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void shouldPassOnTheHost(String check) throws Exception {
        Optional<Path> nvcc = CudaToolchain.tool("nvcc");
        assumeTrue(nvcc.isPresent(), "nvcc not found (PATH, /usr/local/cuda/bin): " + check + " not run here");
        Path dir = Files.createDirectories(Path.of("target/cuda-host-checks"));
        Path binary = dir.resolve(check.substring(0, check.lastIndexOf('.')));
        Files.deleteIfExists(binary);
        String source = SOURCES.resolve(check).toString();
        String compiled;
        if (check.endsWith(".cu")) {
            compiled = run(nvcc.get().toString(), "-std=c++17", "-arch=sm_80", "-o", binary.toString(), source);
        } else {
            Optional<Path> cxx = CudaToolchain.tool("c++");
            assumeTrue(cxx.isPresent(), "no host C++ compiler (c++) on PATH: " + check + " not run here");
            List<String> command = new ArrayList<>(List.of(cxx.get().toString()));
            command.addAll(List.of(CudaToolchain.HOST_FLAGS));
            if (CudaToolchain.sanitizersWork(cxx.get())) {
                command.addAll(CudaToolchain.SANITIZER_FLAGS);
            }
            command.addAll(List.of("-I" + CudaToolchain.includes(nvcc.get()), "-o", binary.toString(), source));
            compiled = run(command.toArray(String[]::new));
        }
        assertThat(Files.isExecutable(binary)).as("nvcc output: " + compiled).isTrue();
        assertThat(run(binary.toAbsolutePath().toString())).isEqualTo("ok\n");
    }

    private static String run(String... command) throws Exception {
        return CudaToolchain.run(command).output();
    }
}
