package io.quantserve.node.engine;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** {@code /health} is UP only while the model is loaded, warmed and admitting requests (503 while draining). */
@Component("engine")
class EngineHealthIndicator implements HealthIndicator {
    private final NodeEngine engine;

    EngineHealthIndicator(NodeEngine engine) {
        this.engine = engine;
    }

    @Override
    public Health health() {
        Health.Builder health = engine.state() == NodeEngine.State.READY ? Health.up() : Health.outOfService();
        return health.withDetail("state", engine.state())
                .withDetail("model", engine.model().name())
                .withDetail("inFlight", engine.inFlight())
                .withDetail("backend", engine.backend())
                .build();
    }
}
