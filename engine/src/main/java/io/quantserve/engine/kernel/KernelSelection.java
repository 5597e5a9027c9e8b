package io.quantserve.engine.kernel;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Decides once which kernels {@link VectorOps#get()} uses, and says why in the log. */
final class KernelSelection {
    static final String PROPERTY = "quantserve.kernels";
    /** Narrower vectors do not beat C2's scalar code by enough to pay for the Vector API's warm-up and risk. */
    static final int MIN_VECTOR_BITS = 256;
    private static final Logger LOG = LoggerFactory.getLogger(KernelSelection.class);

    private KernelSelection() {
    }

    /** Why the vector kernels cannot run in this JVM, or null when they can. */
    static String vectorUnavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "module jdk.incubator.vector is not present (start java with --add-modules jdk.incubator.vector)";
        }
        return null;
    }

    static boolean useVector() {
        String wanted = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        String missing = vectorUnavailableReason();
        switch (wanted) {
            case "scalar" -> {
                LOG.info("CPU kernels: scalar (forced by -D{}=scalar)", PROPERTY);
                return false;
            }
            case "vector" -> {
                if (missing == null) {
                    LOG.info("CPU kernels: vector({}) (forced by -D{}=vector)", PanamaKernels.preferredBits(), PROPERTY);
                    return true;
                }
                LOG.warn("CPU kernels: scalar, although -D{}=vector was asked for: {}", PROPERTY, missing);
                return false;
            }
            case "" -> {
            }
            default -> LOG.warn("ignoring -D{}={}: expected scalar or vector", PROPERTY, wanted);
        }
        if (missing != null) {
            LOG.warn("CPU kernels: scalar, because {}", missing);
            return false;
        }
        int bits = PanamaKernels.preferredBits();
        if (bits < MIN_VECTOR_BITS) {
            LOG.warn("CPU kernels: scalar, because the preferred vector size is {} bits (< {})", bits, MIN_VECTOR_BITS);
            return false;
        }
        LOG.info("CPU kernels: vector({})", bits);
        return true;
    }
}
