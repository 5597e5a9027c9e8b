package io.quantserve.registry;

import io.quantserve.testing.FakeHub;
import io.quantserve.testing.PostgresTestDatabase;
import io.quantserve.testing.TestFixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole registry on a fresh PostgreSQL database, a temporary filesystem store and a {@link FakeHub} serving the
 * fixture models as {@code test-org/tiny-llama} and {@code test-org/stories260K}. Subclasses share one context.
 * Kafka is not needed: nothing connects to a broker at start.
 */
@SpringBootTest
@AutoConfigureMockMvc
public abstract class RegistryIntegrationTest {
    protected static final String TINY_LLAMA = "test-org/tiny-llama";
    protected static final String STORIES = "test-org/stories260K";
    protected static final FakeHub HUB = FakeHub.start(Map.of(TINY_LLAMA, TestFixtures.model("tiny-llama"),
            STORIES, TestFixtures.model("stories260K")));
    protected static final Path STORE_ROOT;
    protected static final Path WORK_DIR;

    static {
        try {
            STORE_ROOT = Files.createTempDirectory("registry-store");
            WORK_DIR = Files.createTempDirectory("registry-work");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        PostgresTestDatabase.get().register(r::add);
        r.add("quantserve.store.type", () -> "filesystem");
        r.add("quantserve.store.root", STORE_ROOT::toString);
        r.add("quantserve.registry.work-dir", WORK_DIR::toString);
        r.add("quantserve.registry.hub.endpoint", () -> HUB.endpoint().toString());
        r.add("quantserve.registry.hub.token", () -> "");
        r.add("quantserve.registry.hub.retries", () -> "2");
        r.add("quantserve.registry.kafka.enabled", () -> "false");
    }
}
