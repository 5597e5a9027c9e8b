package io.quantserve.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every method on tiny-qwen3: the per-head q/k norms pass through unquantized and the written model, loaded back,
 * gives the float model's logits up to the method's own rounding.
 */
class Qwen3QuantizationTest {
    static Path model;
    static Path calib;
    static final int[] PROMPT = {1, 17, 250, 3, 96, 141, 60, 7, 200, 33, 88, 12};

    @TempDir
    Path dir;

    @BeforeAll
    static void data(@TempDir Path shared) throws Exception {
        model = Fixtures.model("tiny-qwen3");
        SplittableRandom random = new SplittableRandom(7);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lines.add("1 " + IntStream.range(0, 47).mapToObj(j -> Integer.toString(random.nextInt(3, 320)))
                    .collect(Collectors.joining(" ")));
        }
        calib = shared.resolve("calib.txt");
        Files.write(calib, lines);
    }

    private static float[] logits(Path path) throws Exception {
        try (LoadedModel loaded = LoadedModel.open(path)) {
            var m = loaded.model();
            return m.forward(m.newState(64), PROMPT, 0, true);
        }
    }

    @Test
    void everyMethodKeepsTheQueryAndKeyNormsAndTheModelsLogits() throws Exception {
        float[] reference = logits(model);
        for (Method method : Method.values()) {
            int bits = method == Method.AWQ || method == Method.NF4 ? 4 : 8;
            QuantizeOptions o = new QuantizeOptions(method, bits, method == Method.NF4 ? 64 : 32, false, false, 0.5f,
                    "q8_0", 8, 48, 0, 4096);
            Path out = dir.resolve(method.id());
            Quantization.run(model, o, calib, out, (l, n, p) -> { }, () -> false);
            if (method != Method.GGUF) {
                try (Checkpoint source = Checkpoint.open(model); Checkpoint written = Checkpoint.open(out)) {
                    for (String norm : List.of("q_norm", "k_norm")) {
                        String name = "model.layers.1.self_attn." + norm + ".weight";
                        assertThat(written.tensor(name).toFloatArray()).as(method.id() + " " + name)
                                .containsExactly(source.tensor(name).toFloatArray());
                    }
                }
            }
            // measured: 8 bits 1.2-2.4%, 4 bits (awq, nf4) 24-26% of the largest logit on these random weights
            assertThat(relativeError(logits(out), reference)).as(method.id())
                    .isLessThan(bits == 8 ? 0.05 : 0.35);
        }
    }

    /** max |a - b| over max |b|. */
    static double relativeError(float[] a, float[] b) {
        double diff = 0;
        double max = 0;
        for (int i = 0; i < b.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            max = Math.max(max, Math.abs(b[i]));
        }
        return diff / max;
    }
}
