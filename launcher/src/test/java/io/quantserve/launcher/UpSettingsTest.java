package io.quantserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

class UpSettingsTest {

    private static final Path USER_HOME = Path.of("/home/ada");

    @Test
    void shouldDefaultToEmbeddedH2KafkaOn9092AndTheArtifactFolderUnderTheHome() {
        UpSettings settings = UpSettings.fromEnvironment(Map.of(), USER_HOME);

        assertThat(settings.home()).isEqualTo(Path.of("/home/ada/.quantserve"));
        assertThat(settings.kafkaDir()).isEqualTo(Path.of("/home/ada/.quantserve/kafka"));
        assertThat(settings.logsDir()).isEqualTo(Path.of("/home/ada/.quantserve/logs"));
        assertThat(settings.kafkaPort()).isEqualTo(9092);
        assertThat(settings.controllerPort()).isEqualTo(9093);
        assertThat(settings.workers()).isEqualTo(1);
        assertThat(settings.startupTimeout()).isEqualTo(Duration.ofSeconds(180));
        assertThat(settings.registryEnvironment("localhost:9092")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "SPRING_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092",
                "SERVER_PORT", "8080",
                "SPRING_DATASOURCE_URL", "jdbc:h2:file:/home/ada/.quantserve/db/registry;MODE=PostgreSQL;"
                        + "DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH",
                "SPRING_DATASOURCE_USERNAME", "sa",
                "SPRING_DATASOURCE_PASSWORD", "",
                "QUANTSERVE_STORE_TYPE", "filesystem",
                "QUANTSERVE_STORE_ROOT", "/home/ada/.quantserve/artifacts"));
    }

    @Test
    void shouldGiveEachWorkerItsOwnPortAndNoDatabase() {
        UpSettings settings = UpSettings.fromEnvironment(Map.of("QUANTSERVE_WORKER_PORT", "9100"), USER_HOME);

        assertThat(settings.workerEnvironment("localhost:9092", 1)).containsEntry("SERVER_PORT", "9100")
                .containsEntry("SPRING_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")
                .containsEntry("QUANTSERVE_STORE_ROOT", "/home/ada/.quantserve/artifacts")
                .doesNotContainKey("SPRING_DATASOURCE_URL");
        assertThat(settings.workerEnvironment("localhost:9092", 3)).containsEntry("SERVER_PORT", "9102");
    }

    @Test
    void shouldMoveEveryFolderWithQuantserveHome() {
        UpSettings settings = UpSettings.fromEnvironment(Map.of("QUANTSERVE_HOME", "~/qs"), USER_HOME);

        assertThat(settings.kafkaDir()).isEqualTo(Path.of("/home/ada/qs/kafka"));
        assertThat(settings.storeRoot()).isEqualTo(Path.of("/home/ada/qs/artifacts"));
        assertThat(settings.database().url()).startsWith("jdbc:h2:file:/home/ada/qs/db/registry;");
    }

    @Test
    void shouldUsePostgresqlWhenADatabaseUrlIsGiven() {
        UpSettings settings = UpSettings.fromEnvironment(Map.of(
                "QUANTSERVE_DATABASE_URL", "jdbc:postgresql://db:5432/quantserve",
                "QUANTSERVE_DATABASE_USER", "qs", "QUANTSERVE_DATABASE_PASSWORD", "secret"), USER_HOME);

        assertThat(settings.database().embedded()).isFalse();
        assertThat(settings.registryEnvironment("localhost:9092"))
                .containsEntry("SPRING_DATASOURCE_URL", "jdbc:postgresql://db:5432/quantserve")
                .containsEntry("SPRING_DATASOURCE_USERNAME", "qs")
                .containsEntry("SPRING_DATASOURCE_PASSWORD", "secret");
    }

    @Test
    void shouldLeaveTheS3SettingsToTheInheritedEnvironmentAndSetNoFolder() {
        UpSettings settings = UpSettings.fromEnvironment(Map.of("QUANTSERVE_STORE_TYPE", "s3"), USER_HOME);

        assertThat(settings.filesystemStore()).isFalse();
        assertThat(settings.registryEnvironment("k:1")).containsEntry("QUANTSERVE_STORE_TYPE", "s3")
                .doesNotContainKey("QUANTSERVE_STORE_ROOT");
    }

    @Test
    void shouldRejectBadNumbersNamingTheVariable() {
        assertThatThrownBy(() -> UpSettings.fromEnvironment(Map.of("QUANTSERVE_REGISTRY_PORT", "eighty"), USER_HOME))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("QUANTSERVE_REGISTRY_PORT");
        assertThatThrownBy(() -> UpSettings.fromEnvironment(Map.of("QUANTSERVE_KAFKA_PORT", "70000"), USER_HOME))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("QUANTSERVE_KAFKA_PORT");
        assertThatThrownBy(() -> UpSettings.fromEnvironment(Map.of("QUANTSERVE_WORKERS", "-1"), USER_HOME))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("QUANTSERVE_WORKERS");
    }

    @Test
    void shouldLetCommandLineOptionsWinOverTheEnvironment() {
        Up up = new Up(Map.of("QUANTSERVE_REGISTRY_PORT", "8000", "QUANTSERVE_KAFKA_PORT", "9000"),
                new PrintStream(new ByteArrayOutputStream()));
        new CommandLine(up).parseArgs("--registry-port", "8111", "--workers", "2", "--home", "/srv/qs");

        UpSettings settings = up.settings();

        assertThat(settings.registryPort()).isEqualTo(8111);
        assertThat(settings.kafkaPort()).isEqualTo(9000);
        assertThat(settings.workers()).isEqualTo(2);
        assertThat(settings.home()).isEqualTo(Path.of("/srv/qs"));
    }
}
