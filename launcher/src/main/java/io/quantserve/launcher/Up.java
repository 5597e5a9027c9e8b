package io.quantserve.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./quantserve up}: the whole platform on this machine. An in-process Kafka broker, the model registry and
 * quant-workers as child JVMs, an embedded H2 database (or the PostgreSQL that {@code QUANTSERVE_DATABASE_URL}
 * names) and the artifact folder, all under {@code QUANTSERVE_HOME}. Ctrl-C stops the children, then the broker.
 */
@Command(name = "quantserve up", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the QuantServe platform on this machine: Kafka (in process), the model registry and quant-workers.",
                "Every option can also be set by its environment variable."})
public final class Up implements Callable<Integer> {

    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    @Option(names = "--home", description = "Data folder: kafka/, db/, artifacts/, logs/ (QUANTSERVE_HOME, default ~/.quantserve)")
    Path home;

    @Option(names = "--registry-port", description = "Port of the registry's API (QUANTSERVE_REGISTRY_PORT, default 8080)")
    Integer registryPort;

    @Option(names = "--kafka-port", description = "Port of the Kafka broker (QUANTSERVE_KAFKA_PORT, default 9092)")
    Integer kafkaPort;

    @Option(names = "--workers", description = "Number of quant-workers (QUANTSERVE_WORKERS, default 1)")
    Integer workers;

    @Option(names = "--startup-timeout", description = "Seconds to wait for the services' health (QUANTSERVE_STARTUP_TIMEOUT, default 180)")
    Integer startupTimeout;

    private final Map<String, String> environment;
    private final PrintStream out;

    public Up() {
        this(System.getenv(), System.out);
    }

    Up(Map<String, String> environment, PrintStream out) {
        this.environment = environment;
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Up()).execute(args));
    }

    /** The environment with the command-line options written over their variables. */
    Map<String, String> effectiveEnvironment() {
        Map<String, String> env = new HashMap<>(environment);
        putIfSet(env, "QUANTSERVE_HOME", home);
        putIfSet(env, "QUANTSERVE_REGISTRY_PORT", registryPort);
        putIfSet(env, "QUANTSERVE_KAFKA_PORT", kafkaPort);
        putIfSet(env, "QUANTSERVE_WORKERS", workers);
        putIfSet(env, "QUANTSERVE_STARTUP_TIMEOUT", startupTimeout);
        return env;
    }

    UpSettings settings() {
        return UpSettings.fromEnvironment(effectiveEnvironment(), Path.of(System.getProperty("user.home")));
    }

    @Override
    public Integer call() throws Exception {
        UpSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            System.err.println("quantserve up: " + e.getMessage());
            return 2;
        }
        Files.createDirectories(settings.logsDir());
        if (settings.database().embedded()) {
            Files.createDirectories(settings.home().resolve("db"));
        }
        if (settings.filesystemStore()) {
            Files.createDirectories(settings.storeRoot());
        }
        routeBrokerLogs(settings.logsDir().resolve("kafka.log"));

        out.println("quantserve: starting Kafka on localhost:" + settings.kafkaPort() + " (data " + settings.kafkaDir() + ")");
        KafkaServer kafka;
        try {
            kafka = KafkaServer.start(settings.kafkaPort(), settings.controllerPort(), settings.kafkaDir());
        } catch (IOException e) {
            System.err.println("quantserve up: " + e.getMessage() + "\n  Is another broker (or `quantserve up`) using port "
                    + settings.kafkaPort() + " or " + settings.controllerPort() + "? See " + settings.logsDir().resolve("kafka.log"));
            return 1;
        }
        Platform platform = Platform.builder().logsDir(settings.logsDir()).runDir(settings.home().resolve("run"))
                .console(out).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> shutdown(platform, kafka, stopped), "quantserve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        try {
            out.println("quantserve: starting the model registry on port " + settings.registryPort() + " and "
                    + settings.workers() + " quant-worker(s)");
            ServiceProcess registry = platform.startRegistry(settings.registryEnvironment(kafka.bootstrapServers()));
            for (int i = 1; i <= settings.workers(); i++) {
                platform.startWorker(settings.workerEnvironment(kafka.bootstrapServers(), i));
            }
            registry.awaitHttpOk(URI.create(settings.registryUrl() + "/actuator/health"), settings.startupTimeout());
            int index = 1;
            for (ServiceProcess worker : platform.services()) {
                if (worker != registry) {
                    worker.awaitHttpOk(URI.create("http://localhost:" + (settings.workerPort() + index++ - 1)
                            + "/actuator/health"), settings.startupTimeout());
                }
            }
        } catch (IllegalStateException | TimeoutException | IOException e) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C while starting: the hook is stopping everything already.
                stopped.await();
                return 130;
            }
            System.err.println("quantserve up: " + e.getMessage());
            shutdown(platform, kafka, stopped);
            return 1;
        }
        printSummary(settings, kafka, platform);
        stopped.await();
        return 0;
    }

    void printSummary(UpSettings settings, KafkaServer kafka, Platform platform) {
        String url = settings.registryUrl();
        out.println();
        out.println("QuantServe is up.");
        out.println("  API            " + url + "/api");
        out.println("  OpenAPI UI     " + url + "/swagger-ui.html   (spec: " + url + "/v3/api-docs)");
        out.println("  Health         " + url + "/actuator/health");
        out.println("  Kafka          " + kafka.bootstrapServers() + "   (cluster " + kafka.clusterId() + ", data "
                + kafka.dataDir() + ")");
        out.println("  Database       " + (settings.database().embedded()
                ? "embedded H2 " + settings.home().resolve("db") + "   (QUANTSERVE_DATABASE_URL for PostgreSQL)"
                : settings.database().url()));
        out.println("  Artifacts      " + (settings.filesystemStore() ? settings.storeRoot().toString()
                : settings.storeType() + " store (QUANTSERVE_STORE_*)"));
        StringBuilder services = new StringBuilder();
        for (ServiceProcess service : platform.services()) {
            services.append(services.isEmpty() ? "" : ", ").append(service.name()).append(" pid ").append(service.pid());
        }
        out.println("  Services       " + services);
        out.println("  Logs           " + settings.logsDir() + "   (kafka.log, model-registry.log, quant-worker.log)");
        out.println("Press Ctrl-C to stop.");
        out.flush();
    }

    private void shutdown(Platform platform, KafkaServer kafka, CountDownLatch stopped) {
        out.println("quantserve: stopping services...");
        try {
            platform.stopAll(STOP_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            kafka.close();
            out.println("quantserve: stopped.");
            out.flush();
            stopped.countDown();
        }
    }

    /** Sends the broker's SLF4J output to {@code file} unless the caller configured slf4j-simple already. */
    private static void routeBrokerLogs(Path file) {
        if (System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
            System.setProperty("org.slf4j.simpleLogger.logFile", file.toString());
            System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
            System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "info"));
    }

    private static void putIfSet(Map<String, String> env, String name, Object value) {
        if (value != null) {
            env.put(name, value.toString());
        }
    }
}
