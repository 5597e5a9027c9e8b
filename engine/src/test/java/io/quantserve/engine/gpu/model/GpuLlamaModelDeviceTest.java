package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.format.safetensors.SafetensorsFile;
import io.quantserve.engine.generate.Generator;
import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.DeviceTest;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.quant.Method;
import io.quantserve.engine.quant.Quantization;
import io.quantserve.engine.quant.QuantizeOptions;
import io.quantserve.engine.sampling.Sampler;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The GPU model runner against the fixture models' golden logits (an independent float64 reference) and against the
 * CPU model. Error as max |gpu - reference| / max |reference logit|: at most {@value #F16_TOLERANCE} with fp16
 * weights and activations, {@value #BF16_TOLERANCE} with bf16 (8 significant bits). Skipped where no CUDA device
 * is usable. Measured on an H100 (2026-11-24): f16 errors 5e-4 to 9.1e-3 (longest prompts highest); bf16 errors
 * 7.8 to 17 times the f16 error of the same prompt (the mantissa ratio is 8), at most 0.104 (tiny-qwen2, 41 tokens);
 * a wrong kernel or index gives errors of order 1.
 */
class GpuLlamaModelDeviceTest extends DeviceTest {
    static final double F16_TOLERANCE = 1e-2;
    static final double BF16_TOLERANCE = 0.15;
    static final double BATCH_TOLERANCE = 2e-3;


    record Golden(int[] ids, float[] logits) {
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny-llama, F16", "tiny-qwen2, F16", "tiny-qwen3, F16", "tiny-llama3-scaled, F16", "stories260K, F16",
        "stories260K, BF16", "tiny-qwen2, BF16", "tiny-qwen3, BF16"})
    void prefillLogitsMatchTheReference(String name, ActivationType type) throws Exception {
        try (LoadedModel loaded = LoadedModel.open(Fixtures.model(name));
                GpuLlamaModel gpu = GpuLlamaModel.load(device, loaded, type);
                GpuKvCache cache = gpu.newKvCache(8);
                GpuBatchState state = gpu.newBatchState(cache, 64)) {
            for (Golden g : goldens(Fixtures.model(name))) {
                float[] logits = gpu.forward(state, table(0, 1, 2, 3, 4, 5, 6, 7), g.ids, 0, true);
                assertClose(name + " " + type + " prefill of " + g.ids.length, logits, g.logits, tolerance(type));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-llama3-scaled", "stories260K"})
    void tokenByTokenDecodeOverScatteredBlocksMatchesTheReference(String name) throws Exception {
        try (LoadedModel loaded = LoadedModel.open(Fixtures.model(name));
                GpuLlamaModel gpu = GpuLlamaModel.load(device, loaded);
                GpuKvCache cache = gpu.newKvCache(9);
                GpuBatchState state = gpu.newBatchState(cache, 16)) {
            int vocab = loaded.config().vocabSize();
            BlockTable table = table(7, 2, 5, 0); // blocks out of order
            for (Golden g : goldens(Fixtures.model(name))) {
                float[] all = new float[g.ids.length * vocab];
                for (int t = 0; t < g.ids.length; t++) {
                    float[] step = gpu.forward(state, table, new int[] {g.ids[t]}, t, false);
                    System.arraycopy(step, 0, all, t * vocab, vocab);
                }
                assertClose(name + " decode of " + g.ids.length, all, g.logits, F16_TOLERANCE);
            }
        }
    }

    @Test
    void greedyTokensOfStoriesEqualTheCpuOnesOrPartAtANearTie() throws Exception {
        try (LoadedModel loaded = LoadedModel.open(Fixtures.model("stories260K"));
                GpuLlamaModel gpu = GpuLlamaModel.load(device, loaded)) {
            int[] prompt = {1, 385, 328, 432, 261, 298, 315, 421, 395};
            int steps = 40;
            // the CPU's greedy tokens and, at each step, the gap between its best and second-best logit
            LlamaModel cpu = loaded.model();
            InferenceState s = cpu.newState(prompt.length + steps);
            float[] logits = cpu.forward(s, prompt, 0, false);
            int[] cpuTokens = new int[steps];
            double[] gap = new double[steps];
            for (int i = 0; i < steps; i++) {
                cpuTokens[i] = argmax(logits);
                gap[i] = topGap(logits) / maxAbs(logits);
                logits = cpu.forward(s, new int[] {cpuTokens[i]}, prompt.length + i, false);
            }
            // the GPU through the Generator, as `generate --backend cuda` runs it
            Generator.Result r = new Generator(gpu, null, Set.of()).generate(
                    new Generator.Request(prompt, SamplingParams.greedy(), steps, List.of(), true), piece -> { });
            int[] gpuTokens = r.tokens();
            assertThat(gpuTokens).hasSize(steps);
            for (int i = 0; i < steps; i++) {
                if (gpuTokens[i] != cpuTokens[i]) {
                    assertThat(gap[i]).as("step %d: GPU %d, CPU %d; the CPU's top-2 gap / max|logit| (a near tie may flip)",
                            i, gpuTokens[i], cpuTokens[i]).isLessThan(F16_TOLERANCE);
                    System.out.println("greedy: GPU and CPU part at step " + i + " of " + steps + " (near tie)");
                    return;
                }
            }
        }
    }

    @Test
    void awqCheckpointFromTheQuantizerMatchesTheCpuAwqLogits(@TempDir Path dir) throws Exception {
        for (int groupSize : new int[] {-1, 32}) {
            QuantizeOptions o = new QuantizeOptions(Method.AWQ, 4, groupSize, false, false, 0.5f, "q4_k_m", 16, 128, 0, 1024);
            assertQuantizedStoriesMatchTheCpu(dir, o, "AWQ group " + groupSize);
        }
    }

    /** GPTQ runs repacked into AWQ's layout; act-order layers gather their input first. */
    @Test
    void gptqCheckpointsWithAndWithoutActOrderMatchTheCpuGptqLogits(@TempDir Path dir) throws Exception {
        for (boolean descAct : new boolean[] {false, true}) {
            QuantizeOptions o = new QuantizeOptions(Method.GPTQ, 4, 32, false, descAct, 0.5f, "q4_k_m", 16, 128, 0, 1024);
            assertQuantizedStoriesMatchTheCpu(dir, o, "GPTQ desc_act " + descAct);
        }
    }

    /** stories260K quantized by {@code o}: prefill, and a decode step through the per-token GEMV, vs the CPU. */
    private void assertQuantizedStoriesMatchTheCpu(Path dir, QuantizeOptions o, String label) throws Exception {
        Path stories = Fixtures.model("stories260K");
        Path calib = dir.resolve("calib.txt");
        Files.write(calib, Files.readAllLines(stories.resolve("samples.txt")).subList(0, 12));
        Path model = dir.resolve(label.replace(' ', '-'));
        Quantization.run(stories, o, calib, model, (l, n, p) -> { }, () -> false);
        try (LoadedModel loaded = LoadedModel.open(model);
                GpuLlamaModel gpu = GpuLlamaModel.load(device, loaded);
                GpuKvCache cache = gpu.newKvCache(4);
                GpuBatchState state = gpu.newBatchState(cache, 64)) {
            int[] ids = {1, 385, 328, 432, 261, 298, 315, 421, 395, 317, 263, 377, 387, 261, 273, 421, 433};
            float[] expected = loaded.model().forward(loaded.model().newState(64), ids, 0, true);
            float[] got = gpu.forward(state, table(3, 1, 0, 2), ids, 0, true);
            assertClose(label + " prefill", got, expected, F16_TOLERANCE);
            float[] step = gpu.forward(state, table(3, 1, 0, 2), new int[] {ids[0]}, ids.length, false);
            float[] cpuStep = loaded.model().forward(cpuAfter(loaded.model(), ids), new int[] {ids[0]}, ids.length, false);
            assertClose(label + " decode", step, cpuStep, F16_TOLERANCE);
        }
    }

    @Test
    void aBatchOfDecodesAndAPrefillChunkEqualsRunningThemSeparately() throws Exception {
        try (LoadedModel loaded = LoadedModel.open(Fixtures.model("tiny-llama"));
                GpuLlamaModel gpu = GpuLlamaModel.load(device, loaded);
                GpuKvCache batchCache = gpu.newKvCache(24);
                GpuKvCache soloCache = gpu.newKvCache(24);
                GpuBatchState batch = gpu.newBatchState(batchCache, 64);
                GpuBatchState solo = gpu.newBatchState(soloCache, 64)) {
            int[][] prompts = {{1, 5, 9, 200, 17, 33, 4, 8, 100, 3, 7, 19, 21, 22, 23, 24, 25, 26}, {1, 300}, {1, 44, 45, 46, 47}};
            BlockTable[] tables = {table(0, 5, 10), table(1, 6, 11), table(2, 7, 12)};
            for (int i = 0; i < prompts.length; i++) { // the same prompts in both caches
                gpu.forward(batch, tables[i], prompts[i], 0, false);
                gpu.forward(solo, tables[i], prompts[i], 0, false);
            }
            int[] chunk = {50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69};
            List<BatchSegment> segments = List.of(
                    BatchSegment.of(tables[0], prompts[0].length, 77),
                    new BatchSegment(tables[2], prompts[2].length, chunk, BatchSegment.Logits.ALL),
                    BatchSegment.of(tables[1], prompts[1].length, 78));
            float[][] together = gpu.forwardBatch(batch, segments);
            for (int i = 0; i < segments.size(); i++) {
                float[] alone = gpu.forwardBatch(solo, List.of(segments.get(i)))[0];
                // not bit-equal: the GEMM's split-K slices and variant follow the batch's row count, so a row's fp32
                // sums are added in another order and an activation can round to the neighbouring fp16 value; a
                // batching error (wrong row, position or block) moves logits by O(max|logit|)
                assertClose("segment " + i + " batched vs alone", together[i], alone, BATCH_TOLERANCE);
            }
        }
    }

    /**
     * A state with logits for 3 rows (a node's max-num-seqs) scoring prompts of more: the LM head runs over the rows
     * in chunks of 3, and the logits equal those of a state that holds them all (a prefill alone, and a batch of two
     * prefills, one scoring its prompt, and a decode); drawing tokens for more rows than 3 is refused.
     */
    @Test
    void logitsOfMoreRowsThanTheStateHoldsComeInChunks() throws Exception {
        try (LoadedModel loaded = LoadedModel.open(Fixtures.model("tiny-llama"));
                GpuLlamaModel gpu = GpuLlamaModel.load(device, loaded);
                GpuKvCache cache = gpu.newKvCache(12);
                GpuBatchState whole = gpu.newBatchState(cache, 64);
                GpuBatchState three = gpu.newBatchState(cache, 64, 3)) {
            assertThat(three.logitRows()).isEqualTo(3);
            for (Golden g : goldens(Fixtures.model("tiny-llama"))) {
                float[] expected = gpu.forward(whole, table(0, 1, 2, 3), g.ids, 0, true);
                float[] chunked = gpu.forward(three, table(0, 1, 2, 3), g.ids, 0, true);
                assertClose("prompt of " + g.ids.length + " in chunks", chunked, expected, BATCH_TOLERANCE);
                assertClose("prompt of " + g.ids.length + " in chunks vs golden", chunked, g.logits, F16_TOLERANCE);
            }
            int[] prompt = {1, 44, 45, 46, 47, 48, 49};
            gpu.forward(whole, table(8), prompt, 0, false); // a context for the decode row
            List<BatchSegment> segments = List.of(
                    new BatchSegment(table(4, 5), 0, new int[] {1, 5, 9, 200, 17}, BatchSegment.Logits.ALL),
                    BatchSegment.of(table(8), prompt.length, 77),
                    BatchSegment.of(table(6, 7), 0, 1, 300, 301, 302));
            float[][] expected = gpu.forwardBatch(whole, segments);
            float[][] chunked = gpu.forwardBatch(three, segments); // 7 rows want logits: chunks of 3, 3, 1
            for (int i = 0; i < segments.size(); i++) {
                assertClose("segment " + i + " in chunks", chunked[i], expected[i], BATCH_TOLERANCE);
            }
            List<BatchSegment> decodes = new ArrayList<>();
            List<io.quantserve.engine.gpu.SampleRow> rows = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                decodes.add(BatchSegment.of(table(9 + i % 3), 0, 7 + i));
                rows.add(io.quantserve.engine.gpu.SampleRow.of(SamplingParams.greedy(), 0.5));
            }
            assertThatThrownBy(() -> gpu.forwardBatchSample(three, decodes, rows))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("4 rows to draw a token for").hasMessageContaining("logits for 3");
        }
    }

    @Test
    void tokensDrawnOnTheDeviceAreTheHostSamplersForTheSameUniform() throws Exception {
        try (LoadedModel loaded = LoadedModel.open(Fixtures.model("stories260K"));
                GpuLlamaModel gpu = GpuLlamaModel.load(device, loaded);
                GpuKvCache drawCache = gpu.newKvCache(12);
                GpuKvCache logitCache = gpu.newKvCache(12);
                GpuBatchState draw = gpu.newBatchState(drawCache, 32);
                GpuBatchState logits = gpu.newBatchState(logitCache, 32)) {
            BlockTable[] tables = {table(0, 1), table(2, 3), table(4, 5)};
            int[][] prompts = {{1, 385, 328, 432}, {1, 300, 301}, {1, 44, 45, 46, 47, 48}};
            SamplingParams[] params = {SamplingParams.greedy(),
                SamplingParams.defaults().withTemperature(0.8f).withTopP(0.9f),
                SamplingParams.defaults().withTemperature(1.1f).withTopK(30).withMinP(0.05f)};
            for (int i = 0; i < 3; i++) {
                gpu.forward(draw, tables[i], prompts[i], 0, false);
                gpu.forward(logits, tables[i], prompts[i], 0, false);
            }
            java.util.Random u = new java.util.Random(3);
            for (int step = 0; step < 6; step++) {
                List<BatchSegment> segments = new ArrayList<>();
                List<io.quantserve.engine.gpu.SampleRow> rows = new ArrayList<>();
                double[] us = new double[3];
                for (int i = 0; i < 3; i++) {
                    segments.add(BatchSegment.of(tables[i], prompts[i].length + step, 7 + step + i));
                    us[i] = u.nextDouble();
                    rows.add(io.quantserve.engine.gpu.SampleRow.of(params[i], us[i]));
                }
                int[] drawn = gpu.forwardBatchSample(draw, segments, rows);
                float[][] all = gpu.forwardBatch(logits, segments);
                for (int i = 0; i < 3; i++) {
                    int expected = new Sampler(params[i], loaded.config().vocabSize()).next(all[i], us[i]);
                    assertThat(drawn[i]).as("step %d row %d", step, i).isEqualTo(expected);
                }
            }
        }
    }

    private static InferenceState cpuAfter(LlamaModel model, int[] ids) {
        InferenceState s = model.newState(64);
        model.forward(s, ids, 0, false);
        return s;
    }

    private static BlockTable table(int... blocks) {
        return BlockTable.of(16, blocks);
    }

    private static double tolerance(ActivationType t) {
        return t == ActivationType.F16 ? F16_TOLERANCE : BF16_TOLERANCE;
    }

    static void assertClose(String what, float[] actual, float[] expected, double tolerance) {
        assertThat(actual).as(what + " length").hasSize(expected.length);
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.isNaN(actual[i])).as("%s: logit %d is NaN", what, i).isFalse();
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        double rel = maxDiff / maxAbs(expected);
        System.out.printf("%s: max|diff| / max|logit| = %.2e%n", what, rel);
        assertThat(rel).as(what + ": max|diff| / max|logit|").isLessThanOrEqualTo(tolerance);
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double topGap(float[] v) {
        float[] sorted = v.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length - 1] - sorted[sorted.length - 2];
    }

    static List<Golden> goldens(Path dir) throws Exception {
        JsonNode json = new ObjectMapper().readTree(dir.resolve("golden.json").toFile());
        List<Golden> out = new ArrayList<>();
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("golden.safetensors"))) {
            JsonNode seqs = json.get("sequences");
            for (int i = 0; i < seqs.size(); i++) {
                JsonNode ids = seqs.get(i).get("ids");
                int[] tokens = new int[ids.size()];
                for (int j = 0; j < tokens.length; j++) {
                    tokens[j] = ids.get(j).asInt();
                }
                out.add(new Golden(tokens, file.tensors().get("logits." + i).toFloatArray()));
            }
        }
        return out;
    }

}
