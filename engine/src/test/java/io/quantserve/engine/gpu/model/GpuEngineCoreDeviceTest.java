package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.gpu.DeviceTest;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.serve.EngineCore;
import io.quantserve.engine.serve.EngineRequest;
import io.quantserve.engine.serve.FinishReason;
import io.quantserve.engine.serve.RequestOutput;
import io.quantserve.engine.serve.SchedulerConfig;
import io.quantserve.engine.serve.SpeculativeConfig;
import io.quantserve.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching and the paged KV cache unchanged on the GPU runner: {@link EngineCore} over a
 * {@link GpuBatchRunner} gives concurrent greedy requests the CPU engine's tokens (or parts from them only where the
 * CPU's top-2 logits nearly tie). Skipped where no CUDA device is usable.
 */
class GpuEngineCoreDeviceTest extends DeviceTest {
    private static final int STEPS = 30;
    // a 16-token budget: prefills run in chunks next to other sequences' decodes
    private static final SchedulerConfig SCHEDULER = new SchedulerConfig(16, 8);


    /** Four prompts of 5..40 tokens; the last two share a 32-token prefix (two full blocks: prefix caching). */
    private static List<EngineRequest> requests() {
        int[] shared = tokens(300, 32);
        int[] withTail = Arrays.copyOf(shared, 40);
        System.arraycopy(tokens(400, 8), 0, withTail, 32, 8);
        List<int[]> prompts = List.of(tokens(0, 5), tokens(100, 23), shared, withTail);
        List<EngineRequest> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            out.add(new EngineRequest("req-" + i, prompts.get(i), SamplingParams.greedy(), STEPS, Set.of()));
        }
        return out;
    }

    private static int[] tokens(int from, int count) {
        return IntStream.range(from, from + count).map(i -> 3 + (i * 37) % 500).toArray();
    }

    @Test
    void concurrentGreedyRequestsGetTheCpuEnginesTokensOrPartAtANearTie() throws Exception {
        List<EngineRequest> requests = requests();
        try (LoadedModel loaded = LoadedModel.open(Fixtures.model("stories260K"));
                GpuLlamaModel gpu = GpuLlamaModel.load(device, loaded);
                GpuBatchRunner runner = new GpuBatchRunner(gpu, 64, SCHEDULER.maxNumBatchedTokens(),
                        SCHEDULER.maxNumSeqs())) {
            LlamaModel cpu = loaded.model();
            Map<String, int[]> cpuEngine = runAll(new EngineCore(cpu, new KvCachePool(cpu.config(), 16, 64), SCHEDULER),
                    requests);
            Map<String, int[]> gpuEngine = runAll(new EngineCore(runner, SCHEDULER), requests);
            // speculative decoding on the GPU runner: drafted rows verified through the host's sampler
            EngineCore speculative = new EngineCore(runner, SCHEDULER, new SpeculativeConfig(4, 1, 3));
            Map<String, int[]> gpuSpeculative = runAll(speculative, requests);
            assertThat(speculative.stats().specAcceptedTokens()).isPositive();
            for (EngineRequest r : requests) {
                Reference ref = alone(cpu, r.prompt());
                assertThat(cpuEngine.get(r.id())).as("CPU engine " + r.id()).containsExactly(ref.tokens());
                assertMatchesUpToANearTie("GPU engine " + r.id(), gpuEngine.get(r.id()), ref);
                assertMatchesUpToANearTie("GPU engine, speculative, " + r.id(), gpuSpeculative.get(r.id()), ref);
            }
        }
    }

    private static void assertMatchesUpToANearTie(String what, int[] got, Reference ref) {
        assertThat(got).as(what).hasSize(STEPS);
        for (int i = 0; i < STEPS; i++) {
            if (got[i] != ref.tokens()[i]) {
                assertThat(ref.gaps()[i]).as("%s step %d: GPU %d, CPU %d; the CPU's top-2 gap / max|logit|"
                        + " (a near tie may flip)", what, i, got[i], ref.tokens()[i])
                        .isLessThan(GpuLlamaModelDeviceTest.F16_TOLERANCE);
                System.out.println(what + ": GPU and CPU part at step " + i + " of " + STEPS + " (near tie)");
                break;
            }
        }
    }

    private record Reference(int[] tokens, double[] gaps) {
    }

    /** One sequence alone on the CPU: its greedy tokens and, per step, the top-2 gap over max |logit|. */
    private static Reference alone(LlamaModel cpu, int[] prompt) {
        InferenceState s = cpu.newState(prompt.length + STEPS);
        float[] logits = cpu.forward(s, prompt, 0, false);
        int[] tokens = new int[STEPS];
        double[] gaps = new double[STEPS];
        for (int i = 0; i < STEPS; i++) {
            float[] sorted = logits.clone();
            Arrays.sort(sorted);
            double maxAbs = Math.max(Math.abs(sorted[0]), Math.abs(sorted[sorted.length - 1]));
            gaps[i] = (sorted[sorted.length - 1] - sorted[sorted.length - 2]) / maxAbs;
            tokens[i] = argmax(logits);
            logits = cpu.forward(s, new int[] {tokens[i]}, prompt.length + i, false);
        }
        return new Reference(tokens, gaps);
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

    /** Submits everything at once, steps until idle, and returns each request's tokens. */
    private static Map<String, int[]> runAll(EngineCore core, List<EngineRequest> requests) {
        Map<String, List<RequestOutput>> outputs = new HashMap<>();
        for (EngineRequest r : requests) {
            List<RequestOutput> mine = new ArrayList<>();
            outputs.put(r.id(), mine);
            core.add(r, mine::add);
        }
        for (int steps = 0; core.hasWork(); steps++) {
            assertThat(steps).as("steps").isLessThan(1000);
            core.step();
        }
        assertThat(core.stats().prefixCacheHits()).as("the shared 32-token prefix").isGreaterThanOrEqualTo(32);
        assertThat(core.stats().kvCacheUsage()).isZero();
        Map<String, int[]> tokens = new HashMap<>();
        outputs.forEach((id, list) -> {
            assertThat(list.getLast().finishReason()).as(id).isEqualTo(FinishReason.LENGTH);
            tokens.put(id, list.stream().flatMapToInt(o -> Arrays.stream(o.newTokens())).toArray());
        });
        return tokens;
    }
}
