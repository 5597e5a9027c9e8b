package io.quantserve.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A fresh PostgreSQL database for this test run (one per JVM), so runs never see each other's rows.
 *
 * <p>Where Docker is available, a Testcontainers PostgreSQL; otherwise the machine's server at 127.0.0.1:5432 (started
 * with {@code scripts/local-postgres.sh} when it is down), in a new database dropped when the JVM exits. Overrides:
 * {@code QUANTSERVE_TEST_POSTGRES=local|docker}, {@code QUANTSERVE_TEST_PG_URL} (the server's maintenance database),
 * {@code QUANTSERVE_TEST_PG_USER}, {@code QUANTSERVE_TEST_PG_PASSWORD}.
 *
 * <p>In a Spring test: {@code @DynamicPropertySource static void db(DynamicPropertyRegistry r) {
 * PostgresTestDatabase.get().register(r::add); }}
 */
public final class PostgresTestDatabase {
    private static Database database;

    /** Where the database is. */
    public record Database(String url, String username, String password) {
        /** Hands the Spring datasource properties to {@code add} (e.g. {@code DynamicPropertyRegistry::add}). */
        public void register(java.util.function.BiConsumer<String, java.util.function.Supplier<Object>> add) {
            add.accept("spring.datasource.url", this::url);
            add.accept("spring.datasource.username", this::username);
            add.accept("spring.datasource.password", this::password);
        }
    }

    private PostgresTestDatabase() {
    }

    public static synchronized Database get() {
        if (database == null) {
            database = Docker.use("QUANTSERVE_TEST_POSTGRES") ? container() : local();
        }
        return database;
    }

    @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM exits
    private static Database container() {
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:15-alpine");
        container.start();
        return new Database(container.getJdbcUrl(), container.getUsername(), container.getPassword());
    }

    private static Database local() {
        String server = env("QUANTSERVE_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
        String user = env("QUANTSERVE_TEST_PG_USER", "quantserve");
        String password = env("QUANTSERVE_TEST_PG_PASSWORD", "quantserve");
        String name = "quantserve_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = connect(server, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database on " + server + " as " + user + ": "
                    + e.getMessage(), e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Connection c = DriverManager.getConnection(server, user, password); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (SQLException ignored) {
                // the server may already be gone; a leftover test database is harmless
            }
        }));
        return new Database(server.substring(0, server.lastIndexOf('/') + 1) + name, user, password);
    }

    private static Connection connect(String url, String user, String password) throws SQLException {
        try {
            return DriverManager.getConnection(url, user, password);
        } catch (SQLException first) {
            if (!startLocalServer()) {
                throw first;
            }
            return DriverManager.getConnection(url, user, password);
        }
    }

    /** Runs scripts/local-postgres.sh (found from the working directory upwards); true if it succeeded. */
    private static boolean startLocalServer() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("scripts/local-postgres.sh"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(dir.resolve("scripts/local-postgres.sh").toString()).inheritIO().start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
