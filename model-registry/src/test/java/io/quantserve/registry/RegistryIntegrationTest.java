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
 * Kafka is not needed: nothing connects to a broker at start. On a real Tomcat, with the store root and work folder
 * given relative and climbing with "..": Spring's own conversion looked such a path up through Tomcat's resources and
 * refused it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
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
        r.add("quantserve.store.root", () -> relative(STORE_ROOT));
        r.add("quantserve.registry.work-dir", () -> relative(WORK_DIR));
        r.add("quantserve.registry.hub.endpoint", () -> HUB.endpoint().toString());
        r.add("quantserve.registry.hub.token", () -> "");
        r.add("quantserve.registry.hub.retries", () -> "2");
        r.add("quantserve.registry.kafka.enabled", () -> "false");
    }

    /** As a user might write it (e.g. {@code ../../tmp/registry-work1}): path settings bind relative and with "..". */
    private static String relative(Path folder) {
        return Path.of("").toAbsolutePath().relativize(folder).toString();
    }
}
