package io.quantserve.worker.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Says at start-up, not at the first job, when the JVM lacks the Vector API module: the engine then falls back to
 * scalar kernels, which work but are several times slower.
 */
@Component
class JvmFlagsCheck {
    private static final Logger LOG = LoggerFactory.getLogger(JvmFlagsCheck.class);

    @EventListener(ApplicationReadyEvent.class)
    void check() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.warn("module jdk.incubator.vector is not present: quantization will use the slower scalar kernels;"
                    + " start java with --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
                    + " (or put them in JDK_JAVA_OPTIONS)");
        }
    }
}
