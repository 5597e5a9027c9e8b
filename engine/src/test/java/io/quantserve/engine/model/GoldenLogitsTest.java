package io.quantserve.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.format.safetensors.SafetensorsFile;
import io.quantserve.engine.linear.Unquantized;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The fixture models against golden outputs of an independent float64 reference. */
class GoldenLogitsTest {
    private static final double TOLERANCE = 1e-4;

    record Golden(int[] ids, float[] logits, int[] greedy) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-llama3-scaled", "stories260K"})
    void prefillLogitsMatchTheReference(String name) throws Exception {
        Path dir = Fixtures.model(name);
        ModelConfig config = ModelConfig.load(dir);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            LlamaModel model = LlamaLoader.load(config, ckpt, Unquantized.INSTANCE);
            for (Golden g : goldens(dir)) {
                float[] logits = model.forward(model.newState(64), g.ids, 0, true);
                assertClose(name + " prefill of " + g.ids.length + " tokens", logits, g.logits);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-llama3-scaled", "stories260K"})
    void tokenByTokenDecodeMatchesTheReference(String name) throws Exception {
        Path dir = Fixtures.model(name);
        ModelConfig config = ModelConfig.load(dir);
        int vocab = config.vocabSize();
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            LlamaModel model = LlamaLoader.load(config, ckpt, Unquantized.INSTANCE);
            for (Golden g : goldens(dir)) {
                InferenceState state = model.newState(64);
                float[] all = new float[g.ids.length * vocab];
                for (int t = 0; t < g.ids.length; t++) {
                    float[] step = model.forward(state, new int[] {g.ids[t]}, t, false);
                    System.arraycopy(step, 0, all, t * vocab, vocab);
                }
                assertClose(name + " decode of " + g.ids.length + " tokens", all, g.logits);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-llama3-scaled", "stories260K"})
    void greedyDecodingMatchesTheReference(String name) throws Exception {
        Path dir = Fixtures.model(name);
        ModelConfig config = ModelConfig.load(dir);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            LlamaModel model = LlamaLoader.load(config, ckpt, Unquantized.INSTANCE);
            for (Golden g : goldens(dir)) {
                InferenceState state = model.newState(64);
                float[] logits = model.forward(state, g.ids, 0, false);
                int[] next = new int[g.greedy.length];
                for (int i = 0; i < next.length; i++) {
                    next[i] = argmax(logits);
                    logits = model.forward(state, new int[] {next[i]}, g.ids.length + i, false);
                }
                assertThat(next).as(name + " greedy after " + g.ids.length + " tokens").containsExactly(g.greedy);
            }
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static void assertClose(String what, float[] actual, float[] expected) {
        assertThat(actual).as(what + " length").hasSize(expected.length);
        double maxAbs = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        assertThat(maxDiff / maxAbs).as(what + ": max|diff| / max|logit|").isLessThanOrEqualTo(TOLERANCE);
    }

    static List<Golden> goldens(Path dir) throws Exception {
        JsonNode json = new ObjectMapper().readTree(dir.resolve("golden.json").toFile());
        List<Golden> out = new ArrayList<>();
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("golden.safetensors"))) {
            JsonNode seqs = json.get("sequences");
            for (int i = 0; i < seqs.size(); i++) {
                JsonNode seq = seqs.get(i);
                int[] ids = new int[seq.get("ids").size()];
                for (int j = 0; j < ids.length; j++) {
                    ids[j] = seq.get("ids").get(j).asInt();
                }
                int[] greedy = new int[seq.get("greedy_next_8").size()];
                for (int j = 0; j < greedy.length; j++) {
                    greedy[j] = seq.get("greedy_next_8").get(j).asInt();
                }
                float[] logits = file.tensors().get("logits." + i).toFloatArray();
                int[] storedIds = intsOf(file, "ids." + i);
                assertThat(storedIds).containsExactly(ids);
                out.add(new Golden(ids, logits, greedy));
            }
        }
        return out;
    }

    private static int[] intsOf(SafetensorsFile file, String name) {
        var t = file.tensors().get(name);
        int[] v = new int[(int) t.elementCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.data().get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i * 4L);
        }
        return v;
    }
}
