package io.quantserve.testing;

import java.util.Locale;
import org.testcontainers.DockerClientFactory;

/** Whether a test dependency runs in Docker (Testcontainers) or in-process/locally: by setting, else by detection. */
final class Docker {
    private Docker() {
    }

    /**
     * @param variable the environment variable that forces the choice: {@code docker}, or {@code local} (anything
     *                 else detects)
     */
    static boolean use(String variable) {
        String choice = System.getenv().getOrDefault(variable, "").toLowerCase(Locale.ROOT);
        if (choice.equals("docker")) {
            return true;
        }
        if (choice.equals("local") || choice.equals("embedded")) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
