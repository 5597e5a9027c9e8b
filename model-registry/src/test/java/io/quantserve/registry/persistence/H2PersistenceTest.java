package io.quantserve.registry.persistence;

import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The embedded database of {@code ./quantserve up}: a file-based H2 in PostgreSQL mode, with the same URL options. */
@DataJpaTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
class H2PersistenceTest extends PersistenceRoundTrip {

    @DynamicPropertySource
    static void db(DynamicPropertyRegistry r) throws Exception {
        Path dir = Files.createTempDirectory("registry-h2");
        r.add("spring.datasource.url", () -> "jdbc:h2:file:" + dir + "/registry;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;"
                + "DEFAULT_NULL_ORDERING=HIGH");
        r.add("spring.datasource.username", () -> "sa");
        r.add("spring.datasource.password", () -> "");
    }
}
