package io.quantserve.registry.persistence;

import io.quantserve.testing.PostgresTestDatabase;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@DataJpaTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
class PostgresPersistenceTest extends PersistenceRoundTrip {

    @DynamicPropertySource
    static void db(DynamicPropertyRegistry r) {
        PostgresTestDatabase.get().register(r::add);
    }
}
