package io.quantserve.engine.bench;

import io.quantserve.engine.model.Architecture;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.model.RopeScaling;
import java.util.List;

/** Shapes of well-known models, for benchmarks with random weights. */
public final class SyntheticModels {
    /** The shape names {@link #byName} knows, smallest first. */
    public static final List<String> NAMES = List.of("tiny", "small", "llama-1b", "llama-7b");

    private SyntheticModels() {
    }

    public static ModelConfig byName(String name) {
        return switch (name) {
            // Llama-3.2-1B: 16 layers, hidden 2048, GQA 32/8, tied embeddings, 128K vocabulary
            case "llama-1b" -> new ModelConfig(Architecture.LLAMA, 2048, 8192, 16, 32, 8, 64, 128256, 1e-5f,
                    500000.0, new RopeScaling.Llama3(32, 1, 4, 8192), 131072, true, false, 0, 128000,
                    List.of(128001, 128008, 128009));
            // Llama-2-7B: 32 layers, hidden 4096, MHA, 32K vocabulary
            case "llama-7b" -> new ModelConfig(Architecture.LLAMA, 4096, 11008, 32, 32, 32, 128, 32000, 1e-5f,
                    10000.0, new RopeScaling.None(), 4096, false, false, 0, 1, List.of(2));
            // Llama-2's 32K vocabulary (so its tokenizer fits) on a body that decodes quickly on a laptop CPU
            case "small" -> new ModelConfig(Architecture.LLAMA, 512, 1536, 8, 8, 4, 64, 32000, 1e-5f,
                    10000.0, new RopeScaling.None(), 2048, false, false, 0, 1, List.of(2));
            // a small model for quick runs and tests
            case "tiny" -> new ModelConfig(Architecture.LLAMA, 256, 768, 4, 8, 4, 32, 2048, 1e-5f,
                    10000.0, new RopeScaling.None(), 2048, false, false, 0, 1, List.of(2));
            default -> throw new IllegalArgumentException("unknown synthetic model '" + name
                    + "' (known: " + String.join(", ", NAMES) + ")");
        };
    }
}
