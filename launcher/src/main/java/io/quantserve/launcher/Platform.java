package io.quantserve.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * Runs the platform's services as child JVMs: the model registry and quant-workers, from the jars that
 * {@code ./mvnw package} leaves in {@code model-registry/target} and {@code quant-worker/target}. Each child inherits
 * this process's environment plus the given entries and writes its output to {@code <logs>/<name>.log}. Used by
 * {@code ./quantserve up} and by the end-to-end tests (which kill a child to simulate a crash).
 */
public final class Platform implements AutoCloseable {

    /** JVM flags of the quant-worker: the engine's Vector API kernels and memory-mapped weights. */
    public static final List<String> WORKER_JVM_FLAGS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED");

    private final Path repoRoot;
    private final Path logsDir;
    private final Path runDir;
    private final Path java;
    private final Map<String, String> environment;
    private final PrintStream console;
    private final List<ServiceProcess> services = new CopyOnWriteArrayList<>();
    private final Map<String, Path> runJars = new HashMap<>();
    private int workers;

    private Platform(Builder builder) {
        this.repoRoot = builder.repoRoot != null ? builder.repoRoot : findRepoRoot(Path.of("").toAbsolutePath());
        this.logsDir = builder.logsDir != null ? builder.logsDir : repoRoot.resolve("target").resolve("platform-logs");
        this.runDir = builder.runDir;
        this.java = builder.java != null ? builder.java : currentJava();
        this.environment = Map.copyOf(builder.environment);
        this.console = builder.console;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts the model registry ({@code model-registry/target/model-registry-*.jar}) with {@code env} added. */
    public ServiceProcess startRegistry(Map<String, String> env) throws IOException {
        return start("model-registry", serviceJar("model-registry"), List.of(), env);
    }

    /** Starts one more quant-worker ({@code quant-worker}, then {@code quant-worker-2}...) with {@code env} added. */
    public synchronized ServiceProcess startWorker(Map<String, String> env) throws IOException {
        workers++;
        return start(workers == 1 ? "quant-worker" : "quant-worker-" + workers, serviceJar("quant-worker"),
                WORKER_JVM_FLAGS, env);
    }

    /** Starts {@code java <jvmFlags> -jar <jar>} as service {@code name}, logging to {@code <logs>/<name>.log}. */
    public ServiceProcess start(String name, Path jar, List<String> jvmFlags, Map<String, String> env) throws IOException {
        Files.createDirectories(logsDir);
        Path log = logsDir.resolve(name + ".log");
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmFlags);
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command).directory(repoRoot.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        builder.environment().putAll(env);
        ServiceProcess service = new ServiceProcess(name, builder.start(), log);
        services.add(service);
        service.process().onExit().thenAccept(p -> {
            // 130/143: stopped by SIGINT/SIGTERM, e.g. Ctrl-C reaching the whole terminal process group.
            boolean askedToStop = service.stopping() || p.exitValue() == 130 || p.exitValue() == 143;
            if (!askedToStop && console != null) {
                console.println("quantserve: " + name + " (pid " + p.pid() + ") exited unexpectedly with code "
                        + p.exitValue() + "; see " + log);
            }
        });
        return service;
    }

    /**
     * The jar services of {@code module} run: {@link #jar}, or with a run folder its copy there, made at the first start
     * (a rebuild of the checkout then leaves the running services' jar alone).
     */
    synchronized Path serviceJar(String module) throws IOException {
        if (runDir == null) {
            return jar(module);
        }
        Path copy = runJars.get(module);
        if (copy == null) {
            Files.createDirectories(runDir);
            copy = runDir.resolve(module + ".jar");
            Path temp = Files.createTempFile(runDir, module, ".jar.tmp");
            Files.copy(jar(module), temp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            runJars.put(module, copy);
        }
        return copy;
    }

    /** The packaged Spring Boot jar of {@code module}: {@code <module>/target/<module>-<version>.jar}. */
    public Path jar(String module) {
        Path target = repoRoot.resolve(module).resolve("target");
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> {
                String n = f.getFileName().toString();
                return n.startsWith(module + "-") && n.endsWith(".jar") && !n.endsWith("-sources.jar")
                        && !n.endsWith("-javadoc.jar") && !n.endsWith("-plain.jar");
            }).sorted().reduce((a, b) -> b).orElseThrow(() -> missingJar(module, target));
        } catch (java.nio.file.NoSuchFileException e) {
            throw missingJar(module, target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static IllegalStateException missingJar(String module, Path target) {
        return new IllegalStateException("no " + module + " jar in " + target + "; build it first: ./mvnw -B -DskipTests -pl "
                + module + " -am package");
    }

    /** Every service started so far (stopped ones included). */
    public List<ServiceProcess> services() {
        return List.copyOf(services);
    }

    public Path logsDir() {
        return logsDir;
    }

    public Path repoRoot() {
        return repoRoot;
    }

    /** Stops every running service: SIGTERM to all, then waits up to {@code grace} each before SIGKILL. */
    public void stopAll(Duration grace) throws InterruptedException {
        List<ServiceProcess> running = services.stream().filter(ServiceProcess::isAlive).toList();
        // Signal every service first so their graceful shutdowns (Kafka consumers leaving, jobs handed back) overlap.
        running.forEach(ServiceProcess::requestStop);
        for (ServiceProcess service : running) {
            service.awaitStop(grace);
        }
    }

    /** {@link #stopAll} with 30 seconds' grace. */
    @Override
    public void close() throws InterruptedException {
        stopAll(Duration.ofSeconds(30));
    }

    /** The folder holding the root pom and {@code model-registry/}: {@code start} or one of its parents. */
    public static Path findRepoRoot(Path start) {
        String configured = System.getProperty("quantserve.root", System.getenv("QUANTSERVE_ROOT"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("model-registry"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the QuantServe checkout (a folder with pom.xml and model-registry/) at or above "
                + start + "; set -Dquantserve.root or QUANTSERVE_ROOT");
    }

    private static Path currentJava() {
        return ProcessHandle.current().info().command().map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java"));
    }

    /** How to start services: where the checkout and logs are, which {@code java}, and environment for every child. */
    public static final class Builder {
        private Path repoRoot;
        private Path logsDir;
        private Path runDir;
        private Path java;
        private Map<String, String> environment = Map.of();
        private PrintStream console;

        /** The checkout holding {@code model-registry/target} and {@code quant-worker/target}; default: found from the working folder. */
        public Builder repoRoot(Path repoRoot) {
            this.repoRoot = repoRoot;
            return this;
        }

        /** Where {@code <service>.log} files go; default {@code <repoRoot>/target/platform-logs}. */
        public Builder logsDir(Path logsDir) {
            this.logsDir = logsDir;
            return this;
        }

        /**
         * Where services run their jars from: each module's jar is copied there at its first start, so that rebuilding
         * the checkout does not replace a jar under a running JVM; default: none (they run from {@code target/}).
         */
        public Builder runDir(Path runDir) {
            this.runDir = runDir;
            return this;
        }

        /** The {@code java} executable; default: the one running this JVM. */
        public Builder java(Path java) {
            this.java = java;
            return this;
        }

        /** Entries every child gets on top of this process's environment (e.g. Kafka and the artifact store). */
        public Builder environment(Map<String, String> environment) {
            this.environment = Objects.requireNonNull(environment);
            return this;
        }

        /** Where to print a line when a child exits without being asked to; default: nowhere. */
        public Builder console(PrintStream console) {
            this.console = console;
            return this;
        }

        public Platform build() {
            return new Platform(this);
        }
    }
}
