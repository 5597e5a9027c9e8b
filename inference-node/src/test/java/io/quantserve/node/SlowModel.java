package io.quantserve.node;

import io.quantserve.engine.bench.SyntheticCheckpoint;
import io.quantserve.engine.bench.SyntheticModels;
import io.quantserve.engine.tensor.DType;
import io.quantserve.testing.TestFixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A synthetic Llama ("small": 58M parameters, random bf16 weights) with the Llama-2 tokenizer, written once per test
 * JVM: slow enough (a few hundred tokens per second here) that a request is still running when a test acts on it.
 */
public final class SlowModel {
    private static Path path;

    private SlowModel() {
    }

    public static synchronized Path path() {
        if (path == null) {
            try {
                Path dir = Files.createTempDirectory("quantserve-slow-model");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
                Path tokenizer = TestFixtures.root().resolve("tokenizers/llama2/tokenizer.model");
                path = new SyntheticCheckpoint(SyntheticModels.byName("small"), DType.BF16, 7)
                        .withTokenizer(tokenizer).write(dir.resolve("small"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return path;
    }

    private static void delete(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }
}
