package io.quantserve.engine.gpu;

import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend the engine runs on and why. {@code auto} probes for a CUDA device and falls back to the CPU softly;
 * {@code cpu} never touches CUDA (no native library is loaded); {@code cuda} without a usable device is an error,
 * since whoever asked for it would otherwise get a silently slow engine.
 */
public record BackendSelection(Backend backend, String reason) {
    private static final Logger LOG = LoggerFactory.getLogger(BackendSelection.class);

    public static BackendSelection select(BackendChoice choice, Supplier<CudaProbe.Result> probe) {
        return select(choice, BackendChoice.PROPERTY, probe);
    }

    /** As {@link #select(BackendChoice, Supplier)}, naming {@code setting} (where the choice came from) in reasons. */
    public static BackendSelection select(BackendChoice choice, String setting, Supplier<CudaProbe.Result> probe) {
        return switch (choice) {
            case CPU -> new BackendSelection(Backend.CPU, "cpu asked for (" + setting + "=cpu)");
            case CUDA -> {
                CudaProbe.Result found = probe.get();
                if (!found.available()) {
                    throw new IllegalStateException("backend cuda asked for (" + setting
                            + "=cuda), but no CUDA device is usable: " + found.detail());
                }
                yield new BackendSelection(Backend.CUDA, "cuda asked for; " + found.detail());
            }
            case AUTO -> {
                CudaProbe.Result found = probe.get();
                yield found.available()
                        ? new BackendSelection(Backend.CUDA, "auto: " + found.detail())
                        : new BackendSelection(Backend.CPU, "auto: no CUDA device (" + found.detail() + ")");
            }
        };
    }

    /** The choice from the system property / environment, probed for real, and logged. */
    public static BackendSelection atStartup() {
        return chosen(BackendChoice.fromSystem());
    }

    /** {@code choice} probed for real, and logged. */
    public static BackendSelection chosen(BackendChoice choice) {
        BackendSelection selection = select(choice, CudaProbe::probe);
        LOG.info("Backend: {} ({})", selection.backend().name().toLowerCase(java.util.Locale.ROOT), selection.reason());
        return selection;
    }
}
