package io.quantserve.engine.gpu;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The CUDA toolkit and host compiler the host-side checks use: where its programs and headers are, and running one. */
final class CudaToolchain {
    /** Host C++ flags for CUDA sources: CUDA code reinterprets freely, and its pragmas mean nothing to the host. */
    static final String[] HOST_FLAGS = {"-std=c++20", "-O2", "-fno-strict-aliasing", "-pthread", "-Wno-unknown-pragmas"};
    /**
     * AddressSanitizer and UndefinedBehaviorSanitizer, every finding fatal: a kernel run on the host reading or writing
     * past a buffer (a device would return garbage, or fault on real hardware) or shifting by 32 stops its check.
     */
    static final List<String> SANITIZER_FLAGS = List.of("-fsanitize=address,undefined", "-fno-sanitize-recover=all");
    private static Boolean sanitizers;  // the probe's answer, once asked

    private CudaToolchain() {
    }

    /** Whether {@code cxx} builds and runs a program with {@link #SANITIZER_FLAGS} (its runtime libraries installed). */
    static synchronized boolean sanitizersWork(Path cxx) throws IOException, InterruptedException {
        if (sanitizers == null) {
            Path dir = Files.createTempDirectory("sanitizer-probe");
            Path source = Files.writeString(dir.resolve("probe.cpp"), "#include <vector>\nint main() { std::vector<int> v(4); return v[3]; }\n");
            List<String> command = new ArrayList<>(List.of(cxx.toString()));
            command.addAll(SANITIZER_FLAGS);
            command.addAll(List.of("-o", dir.resolve("probe").toString(), source.toString()));
            boolean works = run(command.toArray(String[]::new)).exit() == 0 && run(dir.resolve("probe").toString()).exit() == 0;
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
            if (!works) {
                System.out.println("host checks without sanitizers: " + cxx + " cannot build with " + SANITIZER_FLAGS);
            }
            sanitizers = works;
        }
        return sanitizers;
    }

    /** A CUDA toolkit program (or the host's c++) on PATH or in /usr/local/cuda/bin. */
    static Optional<Path> tool(String name) {
        Stream<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(d -> !d.isBlank()).map(d -> Path.of(d, name));
        return Stream.concat(onPath, Stream.of(Path.of("/usr/local/cuda/bin", name))).filter(Files::isExecutable).findFirst();
    }

    /** The toolkit's headers (cuda.h, cuda_fp16.h and the rest) beside its nvcc. */
    static Path includes(Path nvcc) throws IOException {
        Path beside = nvcc.toRealPath().getParent().resolveSibling("include");
        return Files.exists(beside.resolve("cuda_fp16.h")) ? beside : Path.of("/usr/local/cuda/include");
    }

    /** Runs a command to its end (5 minutes at most); its output and error, interleaved. */
    static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    record Result(int exit, String output) {
    }
}
