package io.quantserve.node.engine;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code /health} is UP only while the model is loaded, warmed and admitting requests (503 while draining; DOWN, with
 * the error, once the engine failed).
 */
@Component("engine")
class EngineHealthIndicator implements HealthIndicator {
    private final NodeEngine engine;

    EngineHealthIndicator(NodeEngine engine) {
        this.engine = engine;
    }

    @Override
    public Health health() {
        NodeEngine.State state = engine.state();
        Health.Builder health = switch (state) {
            case READY -> Health.up();
            case FAILED -> Health.down().withDetail("error", engine.failure());
            default -> Health.outOfService();
        };
        return health.withDetail("state", state)
                .withDetail("model", engine.model().name())
                .withDetail("inFlight", engine.inFlight())
                .withDetail("backend", engine.backend())
                .build();
    }
}
