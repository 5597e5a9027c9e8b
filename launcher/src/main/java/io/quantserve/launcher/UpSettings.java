package io.quantserve.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code ./quantserve up} runs and where, from the environment (and command-line overrides): the folders under
 * {@code QUANTSERVE_HOME}, the ports, the database and the artifact store, and the environment each child gets.
 *
 * @param home          {@code QUANTSERVE_HOME}, default {@code ~/.quantserve}
 * @param kafkaPort     {@code QUANTSERVE_KAFKA_PORT}, default 9092
 * @param controllerPort {@code QUANTSERVE_KAFKA_CONTROLLER_PORT}, default 9093
 * @param registryPort  {@code QUANTSERVE_REGISTRY_PORT}, default 8080
 * @param workerPort    {@code QUANTSERVE_WORKER_PORT}, default 8082 (worker n listens on workerPort + n - 1)
 * @param workers       how many quant-workers, {@code QUANTSERVE_WORKERS}, default 1
 * @param database      the registry's database: PostgreSQL from {@code QUANTSERVE_DATABASE_URL}, else embedded H2
 * @param storeType     {@code QUANTSERVE_STORE_TYPE}, default {@code filesystem}
 * @param storeRoot     {@code QUANTSERVE_STORE_ROOT}, default {@code <home>/artifacts}
 * @param startupTimeout how long to wait for the registry's health, {@code QUANTSERVE_STARTUP_TIMEOUT} (seconds), 180
 */
public record UpSettings(Path home, int kafkaPort, int controllerPort, int registryPort, int workerPort, int workers,
        Database database, String storeType, Path storeRoot, Duration startupTimeout) {

    /** A JDBC database for the registry; {@code embedded} when it is the H2 file under the home folder. */
    public record Database(String url, String user, String password, boolean embedded) {
    }

    public UpSettings {
        checkPort("QUANTSERVE_KAFKA_PORT", kafkaPort);
        checkPort("QUANTSERVE_KAFKA_CONTROLLER_PORT", controllerPort);
        checkPort("QUANTSERVE_REGISTRY_PORT", registryPort);
        checkPort("QUANTSERVE_WORKER_PORT", workerPort);
        if (workers < 0) {
            throw new IllegalArgumentException("QUANTSERVE_WORKERS (--workers) must be 0 or more, got " + workers);
        }
    }

    /** Reads the settings from {@code env}; {@code userHome} is where {@code ~} points. */
    public static UpSettings fromEnvironment(Map<String, String> env, Path userHome) {
        Path home = path(env, "QUANTSERVE_HOME", userHome.resolve(".quantserve"), userHome);
        String dbUrl = blankToNull(env.get("QUANTSERVE_DATABASE_URL"));
        Database database = dbUrl == null ? embeddedDatabase(home)
                : new Database(dbUrl, env.getOrDefault("QUANTSERVE_DATABASE_USER", ""),
                        env.getOrDefault("QUANTSERVE_DATABASE_PASSWORD", ""), false);
        String storeType = env.getOrDefault("QUANTSERVE_STORE_TYPE", "filesystem").trim();
        return new UpSettings(home,
                integer(env, "QUANTSERVE_KAFKA_PORT", 9092),
                integer(env, "QUANTSERVE_KAFKA_CONTROLLER_PORT", 9093),
                integer(env, "QUANTSERVE_REGISTRY_PORT", 8080),
                integer(env, "QUANTSERVE_WORKER_PORT", 8082),
                integer(env, "QUANTSERVE_WORKERS", 1),
                database,
                storeType.isEmpty() ? "filesystem" : storeType,
                path(env, "QUANTSERVE_STORE_ROOT", home.resolve("artifacts"), userHome),
                Duration.ofSeconds(integer(env, "QUANTSERVE_STARTUP_TIMEOUT", 180)));
    }

    /** The registry's embedded file database under {@code home}, in H2's PostgreSQL mode. */
    public static Database embeddedDatabase(Path home) {
        return new Database("jdbc:h2:file:" + home.resolve("db").resolve("registry")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH", "sa", "", true);
    }

    public Path kafkaDir() {
        return home.resolve("kafka");
    }

    public Path logsDir() {
        return home.resolve("logs");
    }

    public boolean filesystemStore() {
        return storeType.equalsIgnoreCase("filesystem");
    }

    /** What every child gets on top of the launcher's own environment: Kafka and the artifact store. */
    public Map<String, String> commonEnvironment(String bootstrapServers) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
        env.put("QUANTSERVE_STORE_TYPE", storeType);
        if (filesystemStore()) {
            env.put("QUANTSERVE_STORE_ROOT", storeRoot.toString());
        }
        return env;
    }

    /** The model registry's environment: port, database, Kafka, artifact store. */
    public Map<String, String> registryEnvironment(String bootstrapServers) {
        Map<String, String> env = commonEnvironment(bootstrapServers);
        env.put("SERVER_PORT", String.valueOf(registryPort));
        env.put("SPRING_DATASOURCE_URL", database.url());
        env.put("SPRING_DATASOURCE_USERNAME", database.user());
        env.put("SPRING_DATASOURCE_PASSWORD", database.password());
        return env;
    }

    /** Worker {@code index} (1-based): its own port, Kafka, artifact store. */
    public Map<String, String> workerEnvironment(String bootstrapServers, int index) {
        Map<String, String> env = commonEnvironment(bootstrapServers);
        env.put("SERVER_PORT", String.valueOf(workerPort + index - 1));
        // a job running at Ctrl-C gets 10 s to finish, then is handed back: well inside up's 30 s stop grace
        env.put("QUANTSERVE_WORKER_SHUTDOWNGRACEPERIOD", "10s");
        return env;
    }

    public String registryUrl() {
        return "http://localhost:" + registryPort;
    }

    private static void checkPort(String name, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(name + " must be a TCP port (1-65535), got " + port);
        }
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
        }
    }

    private static Path path(Map<String, String> env, String name, Path fallback, Path userHome) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return fallback;
        }
        String expanded = value.equals("~") ? userHome.toString()
                : value.startsWith("~/") ? userHome.resolve(value.substring(2)).toString() : value;
        return Path.of(expanded).toAbsolutePath().normalize();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
