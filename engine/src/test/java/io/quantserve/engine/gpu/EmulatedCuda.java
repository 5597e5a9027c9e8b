package io.quantserve.engine.gpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The GPU device tests without a GPU: {@code src/test/cuda/emu/driver.cpp}, a CUDA driver whose kernels run on the
 * host under the CUDA emulation, built with every kernel of {@code src/main/cuda} (one file each, registered by the
 * entry names of its PTX) into {@code target/cuda-emu/libcuda.so.1} and loaded before JCuda's binding, whose own
 * {@code libcuda.so.1} dependency then resolves to it. The device tests do so when {@value #PROPERTY} is true (the
 * engine's {@code emulated-device-tests} run); everything above the driver — JCuda, the engine's launches, plans,
 * graphs and buffers — is the product's own code. Public for the inference node's device tests (the engine's test jar),
 * which load the same library: the engine's folder is found above the working directory, whichever module runs.
 *
 * <p>With {@value #SANITIZE_PROPERTY} true as well, the driver and kernels are built with AddressSanitizer and
 * UndefinedBehaviorSanitizer ({@code target/cuda-emu-sanitized}), every allocation's guard bytes poisoned: a kernel
 * that reads or writes outside a buffer, or loads a vector from a misaligned address (a fault on a device), stops the
 * JVM naming its source line. The JVM must start with the sanitizers' runtime preloaded ({@code gpu/sanitized-emulation.sh}).
 */
public final class EmulatedCuda {
    public static final String PROPERTY = "quantserve.test.cuda-emulation";
    public static final String SANITIZE_PROPERTY = "quantserve.test.cuda-emulation.sanitize";
    private static final Path ENGINE = engineFolder();
    private static final Path KERNELS = ENGINE.resolve("src/main/cuda");
    private static final Path EMULATION = ENGINE.resolve("src/test/cuda/emu");
    private static final Path PTX = ENGINE.resolve("src/main/resources/io/quantserve/engine/gpu");
    private static final boolean SANITIZED = Boolean.getBoolean(SANITIZE_PROPERTY);
    private static final Path OUT = ENGINE.resolve(SANITIZED ? "target/cuda-emu-sanitized" : "target/cuda-emu");
    private static final Pattern ENTRY = Pattern.compile("^\\.visible \\.entry (\\w+)\\(", Pattern.MULTILINE);
    private static Optional<String> missing;  // the first load()'s outcome: empty once loaded

    private EmulatedCuda() {
    }

    public static boolean requested() {
        return Boolean.getBoolean(PROPERTY);
    }

    /**
     * Builds the driver (unless newer than its sources) and loads it, once per JVM; null when loaded, else what this
     * machine lacks for it. A source that does not build fails.
     */
    public static synchronized String load() {
        if (missing == null) {
            missing = loadNow();
        }
        return missing.orElse(null);
    }

    private static Optional<String> loadNow() {
        if (!Files.isDirectory(EMULATION)) {
            return Optional.of("the CUDA emulation's sources are not at " + EMULATION);
        }
        try {
            Path nvcc = CudaToolchain.tool("nvcc").orElse(null);
            Path cxx = CudaToolchain.tool("c++").orElse(null);
            if (nvcc == null || cxx == null) {
                return Optional.of("the CUDA emulation needs the CUDA toolkit's headers (beside nvcc) and a host c++");
            }
            if (SANITIZED && !Files.readString(Path.of("/proc/self/maps")).contains("libasan")) {
                throw new IllegalStateException(SANITIZE_PROPERTY + " needs the JVM started with AddressSanitizer's "
                        + "runtime preloaded (LD_PRELOAD; gpu/sanitized-emulation.sh does so)");
            }
            Path library = OUT.resolve("libcuda.so.1").toAbsolutePath();
            if (!Files.exists(library) || olderThanSources(library)) {
                String failure = build(cxx, CudaToolchain.includes(nvcc), library);
                if (failure != null) {
                    throw new IllegalStateException(failure);
                }
            }
            System.load(library.toString());
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while building the CUDA emulation");
        }
    }

    private static String build(Path cxx, Path includes, Path library) throws IOException, InterruptedException {
        Path sources = Files.createDirectories(OUT.resolve("src"));
        List<Path> units = new ArrayList<>(List.of(EMULATION.resolve("driver.cpp").toAbsolutePath()));
        try (Stream<Path> ptx = Files.list(PTX)) {
            for (Path module : ptx.filter(p -> p.toString().endsWith(".ptx")).sorted().toList()) {
                units.add(registrationUnit(module, sources));
            }
        }
        List<String> objects = new ArrayList<>();
        try (ExecutorService compilers = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors())) {
            List<Future<CudaToolchain.Result>> compiled = new ArrayList<>();
            for (Path unit : units) {
                String object = sources.resolve(unit.getFileName() + ".o").toAbsolutePath().toString();
                objects.add(object);
                List<String> command = new ArrayList<>(List.of(cxx.toString()));
                command.addAll(List.of(CudaToolchain.HOST_FLAGS));
                if (SANITIZED) {
                    command.addAll(CudaToolchain.SANITIZER_FLAGS);
                }
                command.addAll(List.of("-fPIC", "-I" + includes, "-c", unit.toString(), "-o", object));
                compiled.add(compilers.submit(() -> CudaToolchain.run(command.toArray(String[]::new))));
            }
            for (int i = 0; i < units.size(); i++) {
                CudaToolchain.Result r = compiled.get(i).get();
                if (r.exit() != 0) {
                    return "building the CUDA emulation failed at " + units.get(i) + ":\n" + r.output();
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        Path temporary = library.resolveSibling(library.getFileName() + ".tmp");
        List<String> link = new ArrayList<>(List.of(cxx.toString(), "-shared", "-Wl,-soname,libcuda.so.1", "-o",
                temporary.toString()));
        link.addAll(objects);
        link.add("-pthread");
        if (SANITIZED) {
            link.addAll(CudaToolchain.SANITIZER_FLAGS);
        }
        CudaToolchain.Result linked = CudaToolchain.run(link.toArray(String[]::new));
        if (linked.exit() != 0) {
            return "linking the CUDA emulation failed:\n" + linked.output();
        }
        Files.move(temporary, library, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return null;
    }

    /** A file that includes the module's kernel source and registers each of its PTX entries under its name. */
    private static Path registrationUnit(Path ptx, Path dir) throws IOException {
        String module = ptx.getFileName().toString().replace(".ptx", "");
        StringBuilder unit = new StringBuilder()
                .append("#include \"").append(EMULATION.resolve("registry.h").toAbsolutePath()).append("\"\n")
                .append("#include \"").append(KERNELS.resolve(module + ".cu").toAbsolutePath()).append("\"\n");
        Matcher m = ENTRY.matcher(Files.readString(ptx));
        while (m.find()) {
            unit.append("static emu::Registration registered_").append(m.group(1)).append("(\"").append(m.group(1))
                    .append("\", ").append(m.group(1)).append(");\n");
        }
        Path file = dir.resolve(module + ".cpp").toAbsolutePath();
        Files.writeString(file, unit);
        return file;
    }

    /** The engine module's folder: the working directory's own, or engine/ beside the module that runs. */
    private static Path engineFolder() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("engine/src/test/cuda/emu"))) {
                return dir.resolve("engine");
            }
        }
        return Path.of("").toAbsolutePath();
    }

    private static boolean olderThanSources(Path library) throws IOException {
        FileTime built = Files.getLastModifiedTime(library);
        try (Stream<Path> inputs = Stream.of(KERNELS, EMULATION, PTX).flatMap(EmulatedCuda::list)) {
            return inputs.anyMatch(p -> modified(p).compareTo(built) > 0);
        }
    }

    private static Stream<Path> list(Path dir) {
        try {
            return Files.list(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
