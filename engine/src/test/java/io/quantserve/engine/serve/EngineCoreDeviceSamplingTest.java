package io.quantserve.engine.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.sampling.Sampler;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's side of sampling on the device ({@link BatchRunner#forwardAndSample}, which the GPU runner implements
 * with sampling.cu): a runner that draws where its logits are gets each row's parameters and its sampler's next
 * uniform number, so seeded requests give the tokens of the host path; rows that need the logits on the host
 * (log-probabilities, penalties) take the host path. The runner here draws with the CPU {@link Sampler} given that
 * u, the contract the GPU kernel is held to by GpuSamplingDeviceTest.
 */
class EngineCoreDeviceSamplingTest {
    private static LoadedModel loaded;
    private static LlamaModel model;

    @BeforeAll
    static void open() throws Exception {
        loaded = LoadedModel.open(Fixtures.model("tiny-llama"));
        model = loaded.model();
    }

    @AfterAll
    static void close() throws Exception {
        loaded.close();
    }

    /** The CPU runner, drawing "on its device" with a fresh, penalty-free Sampler and the u it is given. */
    private static final class DrawingRunner implements BatchRunner {
        private final CpuBatchRunner cpu;
        int draws;
        int forwards;

        DrawingRunner(KvCachePool pool, int maxTokens) {
            this.cpu = new CpuBatchRunner(model, pool, maxTokens);
        }

        @Override
        public boolean samplesOnDevice() {
            return true;
        }

        @Override
        public int[] forwardAndSample(List<BatchSegment> segments, List<SamplingParams> params, double[] u) {
            draws++;
            float[][] logits = cpu.forward(segments);
            int[] tokens = new int[segments.size()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = params.get(i) == null ? -1 : new Sampler(params.get(i), config().vocabSize()).next(logits[i], u[i]);
            }
            return tokens;
        }

        @Override
        public float[][] forward(List<BatchSegment> segments) {
            forwards++;
            return cpu.forward(segments);
        }

        @Override
        public ModelConfig config() {
            return cpu.config();
        }

        @Override
        public int blockSize() {
            return cpu.blockSize();
        }

        @Override
        public int numBlocks() {
            return cpu.numBlocks();
        }

        @Override
        public int maxTokens() {
            return cpu.maxTokens();
        }

        @Override
        public long cacheBytes() {
            return cpu.cacheBytes();
        }

        @Override
        public String backend() {
            return "test-device";
        }

        @Override
        public void close() {
            cpu.close();
        }
    }

    private static List<EngineRequest> requests(int logprobs, float repetitionPenalty) {
        List<EngineRequest> out = new ArrayList<>();
        SamplingParams[] kinds = {SamplingParams.greedy(),
            SamplingParams.defaults().withTemperature(0.9f).withTopP(0.8f).withSeed(11),
            SamplingParams.defaults().withTemperature(1.2f).withTopK(20).withSeed(12),
            SamplingParams.defaults().withTemperature(0.7f).withMinP(0.1f).withSeed(13)};
        for (int i = 0; i < kinds.length; i++) {
            int shift = i;
            int[] prompt = IntStream.range(0, 4 + 7 * i).map(t -> 3 + (t * 31 + shift) % 380).toArray();
            out.add(new EngineRequest("req-" + i, prompt, kinds[i].withRepetitionPenalty(repetitionPenalty), 12,
                    Set.of(), logprobs, null));
        }
        return out;
    }

    private static Map<String, int[]> run(BatchRunner runner, List<EngineRequest> requests) {
        EngineCore core = new EngineCore(runner, new SchedulerConfig(16, 8));
        Map<String, List<RequestOutput>> outputs = new HashMap<>();
        for (EngineRequest r : requests) {
            List<RequestOutput> mine = new ArrayList<>();
            outputs.put(r.id(), mine);
            core.add(r, mine::add);
        }
        for (int steps = 0; core.hasWork(); steps++) {
            assertThat(steps).isLessThan(1000);
            core.step();
        }
        Map<String, int[]> tokens = new HashMap<>();
        outputs.forEach((id, list) -> tokens.put(id,
                list.stream().flatMapToInt(o -> Arrays.stream(o.newTokens())).toArray()));
        return tokens;
    }

    @Test
    void seededRequestsDrawnOnTheDeviceGetTheTokensOfTheHostPath() {
        Map<String, int[]> host = run(new CpuBatchRunner(model, new KvCachePool(model.config(), 4, 256), 16),
                requests(-1, 1f));
        DrawingRunner device = new DrawingRunner(new KvCachePool(model.config(), 4, 256), 16);
        Map<String, int[]> drawn = run(device, requests(-1, 1f));
        assertThat(device.draws).as("steps drawn on the device").isPositive();
        assertThat(device.forwards).as("steps that fetched logits").isZero();
        host.forEach((id, tokens) -> assertThat(drawn.get(id)).as(id).hasSize(12).containsExactly(tokens));
    }

    @Test
    void rowsThatNeedTheLogitsOnTheHostKeepTheHostPath() {
        for (List<EngineRequest> requests : List.of(requests(2, 1f), requests(-1, 1.3f))) {
            Map<String, int[]> host = run(new CpuBatchRunner(model, new KvCachePool(model.config(), 4, 256), 16),
                    requests);
            DrawingRunner device = new DrawingRunner(new KvCachePool(model.config(), 4, 256), 16);
            Map<String, int[]> got = run(device, requests);
            assertThat(device.draws).as("log-probabilities or penalties: no device draw").isZero();
            host.forEach((id, tokens) -> assertThat(got.get(id)).as(id).containsExactly(tokens));
        }
    }
}
