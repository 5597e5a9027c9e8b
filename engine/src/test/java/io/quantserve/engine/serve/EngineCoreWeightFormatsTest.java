package io.quantserve.engine.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.quant.Method;
import io.quantserve.engine.quant.Quantization;
import io.quantserve.engine.quant.QuantizeOptions;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Continuous batching over every weight format the engine loads (stories260K quantized by the engine's own
 * quantizers): each greedy request gets exactly the tokens it gets when the engine runs it alone. The step budget
 * (16 tokens) keeps packed formats on their per-token kernels in both runs; see the README on batch invariance.
 */
class EngineCoreWeightFormatsTest {

    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0} {1}-bit")
    @CsvSource({"rtn, 4, -1", "awq, 4, -1", "gptq, 8, -1", "nf4, 4, 64", "smoothquant, 8, -1", "gguf, 8, -1"})
    void shouldBatchEveryWeightFormatWithoutChangingGreedyOutputs(String method, int bits, int groupSize)
            throws Exception {
        Path stories = Fixtures.model("stories260K");
        Path calib = dir.resolve("calib.txt");
        if (!Files.exists(calib)) {
            Files.write(calib, Files.readAllLines(stories.resolve("samples.txt")).subList(0, 8));
        }
        Path out = dir.resolve(method + bits);
        QuantizeOptions options = new QuantizeOptions(Method.parse(method), bits, groupSize, false, false, 0.5f,
                "q8_0", 64, 256, 0, 4096);
        Quantization.run(stories, options, calib, out, (l, n, p) -> { }, () -> false);
        try (LoadedModel loaded = LoadedModel.open(out)) {
            List<EngineRequest> requests = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int shift = i * 11;
                int[] prompt = IntStream.range(0, 5 + 7 * i).map(k -> 3 + (k * 31 + shift) % 500).toArray();
                requests.add(new EngineRequest("r" + i, prompt, SamplingParams.greedy(), 12 + 4 * i, Set.of()));
            }
            Map<String, int[]> together = run(loaded, requests);
            for (EngineRequest r : requests) {
                int[] alone = run(loaded, List.of(r)).get(r.id());
                assertThat(alone).as("%s alone", r.id()).hasSize(r.maxTokens());
                assertThat(together.get(r.id())).as("%s in a batch", r.id()).containsExactly(alone);
            }
        }
    }

    private static Map<String, int[]> run(LoadedModel loaded, List<EngineRequest> requests) {
        var model = loaded.model();
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 256), new SchedulerConfig(16, 8));
        Map<String, List<Integer>> tokens = new HashMap<>();
        for (EngineRequest r : requests) {
            List<Integer> mine = new ArrayList<>();
            tokens.put(r.id(), mine);
            core.add(r, o -> Arrays.stream(o.newTokens()).forEach(mine::add));
        }
        while (core.hasWork()) {
            core.step();
        }
        Map<String, int[]> out = new HashMap<>();
        tokens.forEach((id, list) -> out.put(id, list.stream().mapToInt(Integer::intValue).toArray()));
        return out;
    }
}
