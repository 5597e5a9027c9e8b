package io.quantserve.engine.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.generate.Generator;
import io.quantserve.engine.guided.TokenConstraint;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching on tiny-llama gives each greedy request exactly what it gets alone; tokens drawn where the
 * logits are (a runner that samples on its device) are the host path's.
 */
class EngineCoreTest {
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

    private static int[] tokens(int from, int count) {
        return IntStream.range(from, from + count).map(i -> 3 + (i * 37) % 380).toArray();
    }

    /** Prompts of different lengths, two sharing a 32-token prefix (prefix caching), one longer than the budget. */
    private static List<EngineRequest> requests(Set<Integer> stop) {
        int[] shared = tokens(300, 32);
        int[] withTail = Arrays.copyOf(shared, 37);
        System.arraycopy(tokens(400, 5), 0, withTail, 32, 5);
        List<int[]> prompts = List.of(tokens(0, 5), tokens(100, 23), shared, withTail, tokens(200, 41), tokens(50, 2));
        List<EngineRequest> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            out.add(new EngineRequest("req-" + i, prompts.get(i), SamplingParams.greedy(), 6 + 3 * i, stop));
        }
        return out;
    }

    private static Generator.Result alone(EngineRequest r) {
        return new Generator(model, null, r.stopTokenIds()).generate(
                new Generator.Request(r.prompt(), r.sampling(), r.maxTokens(), List.of(), false), text -> { });
    }

    /** Submits everything, steps until idle, and returns each request's tokens and final output. */
    private static Map<String, List<RequestOutput>> runAll(EngineCore core, List<EngineRequest> requests) {
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
        return outputs;
    }

    private static int[] concat(List<RequestOutput> outputs) {
        return outputs.stream().flatMapToInt(o -> Arrays.stream(o.newTokens())).toArray();
    }

    private static void assertSameAsAlone(List<EngineRequest> requests, Map<String, List<RequestOutput>> outputs) {
        for (EngineRequest r : requests) {
            Generator.Result expected = alone(r);
            List<RequestOutput> got = outputs.get(r.id());
            assertThat(concat(got)).as(r.id()).containsExactly(expected.tokens());
            RequestOutput last = got.getLast();
            assertThat(last.finishReason()).as(r.id()).isEqualTo(
                    expected.finishReason() == Generator.FinishReason.STOP ? FinishReason.STOP : FinishReason.LENGTH);
            assertThat(got.subList(0, got.size() - 1)).noneMatch(RequestOutput::finished);
        }
    }

    @Test
    void shouldGiveConcurrentGreedyRequestsTheTokensOfSeparateGeneratorRuns() {
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 256), new SchedulerConfig(16, 8));
        List<EngineRequest> requests = requests(Set.of());
        assertSameAsAlone(requests, runAll(core, requests));
        EngineStats stats = core.stats();
        assertThat(stats.running()).isZero();
        assertThat(stats.waiting()).isZero();
        assertThat(stats.preemptions()).isZero();
        assertThat(stats.promptTokens()).isEqualTo(requests.stream().mapToInt(r -> r.prompt().length).sum());
        assertThat(stats.generationTokens()).isEqualTo(requests.stream().mapToInt(EngineRequest::maxTokens).sum());
        assertThat(stats.prefixCacheHits()).as("the shared 32-token prefix").isGreaterThanOrEqualTo(32);
        assertThat(stats.prefixCacheQueries()).isGreaterThan(stats.prefixCacheHits());
        assertThat(stats.kvCacheUsage()).isZero();
    }

    @Test
    void shouldReportEachTokensLogprobAndTheMostLikelyAlternativesAndTheQueueTime() {
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 256), new SchedulerConfig(16, 8));
        EngineRequest plain = requests(Set.of()).get(1);
        EngineRequest withLogprobs = new EngineRequest("lp", plain.prompt(), SamplingParams.greedy(), plain.maxTokens(),
                Set.of(), 3, null);
        Map<String, List<RequestOutput>> outputs = runAll(core, List.of(withLogprobs));
        List<RequestOutput> got = outputs.get("lp");
        assertThat(concat(got)).containsExactly(alone(plain).tokens());
        for (RequestOutput o : got) {
            assertThat(o.logprobs()).hasSameSizeAs(o.newTokens());
            for (int i = 0; i < o.newTokens().length; i++) {
                var lp = o.logprobs()[i];
                assertThat(lp.token()).isEqualTo(o.newTokens()[i]);
                // greedy: the chosen token is the most likely one, alternatives come in descending order
                assertThat(lp.topIds()).hasSize(3).startsWith(lp.token());
                assertThat(lp.topLogprobs()[0]).isEqualTo(lp.logprob());
                assertThat(lp.topLogprobs()[0]).isGreaterThanOrEqualTo(lp.topLogprobs()[1]);
                assertThat(lp.topLogprobs()[1]).isGreaterThanOrEqualTo(lp.topLogprobs()[2]);
                assertThat(lp.logprob()).isLessThanOrEqualTo(0f);
            }
        }
        assertThat(got.getLast().queueNanos()).isNotNegative();
        assertThat(got.getFirst().queueNanos()).isEqualTo(-1);
    }

    @Test
    void shouldScoreEveryPromptTokenAcrossChunksAndWithoutTheCachedPrefix() {
        // budget 16: the 41-token prompt runs in three chunks; the same prompt twice: the second finds its blocks
        // cached but must still run (and score) every row
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 256), new SchedulerConfig(16, 8));
        int[] prompt = tokens(200, 41);
        int vocab = model.config().vocabSize();
        float[] all = model.forward(model.newState(64), prompt, 0, true); // [41, vocab]
        for (String id : List.of("first", "again")) {
            EngineRequest r = new EngineRequest(id, prompt, SamplingParams.greedy(), 3, Set.of(), -1, null, 2, 0);
            List<RequestOutput> got = runAll(core, List.of(r)).get(id);
            assertThat(concat(got)).containsExactly(alone(r).tokens());
            var scored = got.getFirst().promptLogprobs();
            assertThat(scored).as(id).hasSize(prompt.length - 1);
            for (int p = 0; p + 1 < prompt.length; p++) {
                var expected = io.quantserve.engine.sampling.TokenLogprob.of(all, p * vocab, vocab, prompt[p + 1], 2);
                assertThat(scored[p].token()).isEqualTo(prompt[p + 1]);
                assertThat(scored[p].logprob()).as(id + " position " + p).isCloseTo(expected.logprob(),
                        org.assertj.core.api.Assertions.within(1e-4f));
                assertThat(scored[p].topIds()).containsExactly(expected.topIds());
            }
            assertThat(got.subList(1, got.size())).allMatch(o -> o.promptLogprobs() == null);
        }
        assertThat(core.stats().prefixCacheHits()).as("the second run did not start from the cache").isZero();
        // max tokens 0: the prompt only, scored; one output, no token
        List<RequestOutput> only = runAll(core, List.of(new EngineRequest("score", prompt, SamplingParams.greedy(), 0,
                Set.of(), -1, null, 0, 0))).get("score");
        assertThat(only).singleElement().satisfies(o -> {
            assertThat(o.newTokens()).isEmpty();
            assertThat(o.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(o.promptLogprobs()).hasSize(prompt.length - 1);
        });
    }

    @Test
    void shouldNotDrawAStopTokenBeforeTheMinimumLength() {
        EngineRequest probe = requests(Set.of()).get(1);
        int[] free = alone(probe).tokens();
        Set<Integer> stop = Set.of(free[0], free[1]); // greedy would stop at once
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 256), new SchedulerConfig(16, 8));
        List<RequestOutput> held = runAll(core, List.of(new EngineRequest("min", probe.prompt(), SamplingParams.greedy(),
                8, stop, 2, null, -1, 3))).get("min");
        int[] tokens = concat(held);
        assertThat(tokens.length).isGreaterThanOrEqualTo(3);
        assertThat(Arrays.copyOf(tokens, 3)).doesNotContain(free[0], free[1]);
        // the reported log-probability is the raw one: the masked stop token still shows as the most likely
        assertThat(held.getFirst().logprobs()[0].topIds()[0]).isEqualTo(free[0]);
        List<RequestOutput> plain = runAll(core, List.of(new EngineRequest("no-min", probe.prompt(),
                SamplingParams.greedy(), 8, stop))).get("no-min");
        assertThat(concat(plain)).isEmpty();
        assertThat(plain.getLast().finishReason()).isEqualTo(FinishReason.STOP);
        assertThatThrownBy(() -> core.add(new EngineRequest("bad-stop", probe.prompt(), SamplingParams.greedy(), 4,
                Set.of(384)), o -> { })).hasMessageContaining("stop token id 384");
    }

    @Test
    void shouldEndAtTheStopTokenWhenAConstraintAllowsNothingElseEvenBeforeTheMinimumLength() {
        EngineRequest probe = requests(Set.of()).get(1);
        int[] free = alone(probe).tokens();
        Set<Integer> stop = Set.of(free[0]);
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 256), new SchedulerConfig(16, 8));
        TokenConstraint onlyStop = onlyTokens(free[0]); // a complete structured output: only the end may follow
        List<RequestOutput> out = runAll(core, List.of(new EngineRequest("done", probe.prompt(),
                SamplingParams.greedy(), 8, stop, -1, onlyStop, -1, 5))).get("done");
        assertThat(concat(out)).isEmpty();
        assertThat(out.getLast().finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void shouldEndOnlyTheRequestWhoseMasksLeaveNoTokenWithAnError() {
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 256), new SchedulerConfig(16, 8));
        EngineRequest probe = requests(Set.of()).get(1);
        EngineRequest none = new EngineRequest("none", probe.prompt(), SamplingParams.greedy(), 8, Set.of(), -1,
                onlyTokens(), -1, 0);
        Map<String, List<RequestOutput>> outputs = runAll(core, List.of(none, probe));
        assertThat(outputs.get("none").getLast().finishReason()).isEqualTo(FinishReason.ERROR);
        assertThat(outputs.get("none").getLast().error()).contains("no token may come next");
        assertSameAsAlone(List.of(probe), outputs);
    }

    @Test
    void shouldEndOnlyTheRequestWhoseConstraintFails() {
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 256), new SchedulerConfig(16, 8));
        EngineRequest probe = requests(Set.of()).get(1);
        TokenConstraint deep = new TokenConstraint() { // a grammar that recursed too deep while masking
            @Override
            public void mask(float[] logits) {
                throw new StackOverflowError();
            }

            @Override
            public void accept(int token) {
            }
        };
        TokenConstraint refusing = new TokenConstraint() { // fails on the second token it is given
            int seen;

            @Override
            public void mask(float[] logits) {
            }

            @Override
            public void accept(int token) {
                if (++seen == 2) {
                    throw new IllegalArgumentException("token " + token + " does not continue");
                }
            }
        };
        Map<String, List<RequestOutput>> outputs = runAll(core, List.of(
                new EngineRequest("deep", probe.prompt(), SamplingParams.greedy(), 8, Set.of(), -1, deep, -1, 0),
                new EngineRequest("refusing", probe.prompt(), SamplingParams.greedy(), 8, Set.of(), -1, refusing, -1,
                        0), probe));
        assertThat(outputs.get("deep").getLast().finishReason()).isEqualTo(FinishReason.ERROR);
        assertThat(outputs.get("deep").getLast().error()).contains("output constraint failed", "StackOverflowError");
        assertThat(outputs.get("refusing").getLast().finishReason()).isEqualTo(FinishReason.ERROR);
        assertThat(outputs.get("refusing").getLast().error()).contains("does not continue");
        assertSameAsAlone(List.of(probe), outputs);
    }

    /** A constraint that allows only {@code ids}. */
    static TokenConstraint onlyTokens(int... ids) {
        return new TokenConstraint() {
            @Override
            public void mask(float[] logits) {
                float[] kept = new float[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    kept[i] = logits[ids[i]];
                }
                Arrays.fill(logits, Float.NEGATIVE_INFINITY);
                for (int i = 0; i < ids.length; i++) {
                    logits[ids[i]] = kept[i];
                }
            }

            @Override
            public void accept(int token) {
            }
        };
    }

    @Test
    void shouldStopOnAStopTokenLikeTheGenerator() {
        EngineRequest probe = requests(Set.of()).get(1);
        int[] free = alone(probe).tokens();
        Set<Integer> stop = Set.of(free[3]);
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 256), new SchedulerConfig(16, 8));
        List<EngineRequest> requests = requests(stop);
        Map<String, List<RequestOutput>> outputs = runAll(core, requests);
        assertSameAsAlone(requests, outputs);
        assertThat(outputs.get(probe.id()).getLast().finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void shouldPreemptUnderCachePressureAndStillGiveEveryRequestItsTokens() {
        // 14 blocks of 4 = 56 slots: every request fits alone (the longest needs 51), all together do not
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 14), new SchedulerConfig(16, 8));
        List<EngineRequest> requests = requests(Set.of()).subList(0, 4);
        assertSameAsAlone(requests, runAll(core, requests));
        assertThat(core.stats().preemptions()).isPositive();
        assertThat(core.stats().kvCacheUsage()).isZero();
    }

    @Test
    void shouldFailOnlyTheRequestThatCannotFitTheWholePool() {
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 4), new SchedulerConfig(16, 8));
        EngineRequest small = new EngineRequest("small", tokens(0, 3), SamplingParams.greedy(), 4, Set.of());
        EngineRequest big = new EngineRequest("big", tokens(10, 20), SamplingParams.greedy(), 4, Set.of());
        Map<String, List<RequestOutput>> outputs = runAll(core, List.of(big, small));
        assertThat(outputs.get("big").getLast().finishReason()).isEqualTo(FinishReason.ERROR);
        assertThat(outputs.get("big").getLast().error()).contains("whole pool");
        assertSameAsAlone(List.of(small), outputs);
    }

    @Test
    void shouldRefuseARequestBeyondTheModelContext() {
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 16), SchedulerConfig.defaults());
        assertThatThrownBy(() -> core.add(new EngineRequest("long", tokens(0, 200), SamplingParams.greedy(), 100,
                Set.of()), o -> { })).hasMessageContaining("context of 256");
        assertThatThrownBy(() -> core.add(new EngineRequest("bad", new int[] {384}, SamplingParams.greedy(), 1,
                Set.of()), o -> { })).hasMessageContaining("vocabulary");
    }

    @Test
    void shouldStreamFromTheLoopThreadAndAbortOnRequest() throws Exception {
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), 4, 256), new SchedulerConfig(16, 8));
        List<EngineRequest> requests = requests(Set.of());
        try (EngineLoop loop = new EngineLoop(core)) {
            Map<String, CompletableFuture<List<RequestOutput>>> done = new HashMap<>();
            List<Thread> clients = new ArrayList<>();
            for (EngineRequest r : requests) {
                CompletableFuture<List<RequestOutput>> future = new CompletableFuture<>();
                done.put(r.id(), future);
                List<RequestOutput> mine = new ArrayList<>(); // only the engine thread appends
                clients.add(Thread.ofPlatform().start(() -> loop.core().add(r, o -> {
                    mine.add(o);
                    if (o.finished()) {
                        future.complete(mine);
                    }
                })));
            }
            for (Thread t : clients) {
                t.join();
            }
            Map<String, List<RequestOutput>> outputs = new HashMap<>();
            for (var e : done.entrySet()) {
                outputs.put(e.getKey(), e.getValue().get(60, TimeUnit.SECONDS));
            }
            assertSameAsAlone(requests, outputs);

            CompletableFuture<RequestOutput> aborted = new CompletableFuture<>();
            EngineRequest endless = new EngineRequest("endless", tokens(7, 4), SamplingParams.greedy(), 200, Set.of());
            loop.core().add(endless, o -> {
                if (o.finished()) {
                    aborted.complete(o);
                } else if (o.newTokens().length > 0) {
                    loop.core().abort("endless"); // from inside a callback, as a client that saw enough
                }
            });
            assertThat(aborted.get(60, TimeUnit.SECONDS).finishReason()).isEqualTo(FinishReason.ABORT);
        }
        assertThat(core.stats().kvCacheUsage()).isZero();
        assertThat(core.stats().running()).isZero();
    }

    /** A step that throws (a lost device) ends the requests in flight with the error, and the engine takes no more. */
    @Test
    void shouldEndEveryRequestAndRefuseNewOnesWhenAStepFails() throws Exception {
        DrawingRunner runner = new DrawingRunner(new KvCachePool(model.config(), 4, 256), 16);
        runner.failAfter = 3;
        EngineCore core = new EngineCore(runner, new SchedulerConfig(16, 8));
        try (EngineLoop loop = new EngineLoop(core)) {
            CompletableFuture<RequestOutput> last = new CompletableFuture<>();
            core.add(requests(Set.of()).get(1), o -> {
                if (o.finished()) {
                    last.complete(o);
                }
            });
            RequestOutput out = last.get(60, TimeUnit.SECONDS);
            assertThat(out.finishReason()).isEqualTo(FinishReason.ERROR);
            assertThat(out.error()).contains("engine failure", "device lost");
            assertThat(loop.failure()).hasMessage("device lost");
            assertThatThrownBy(() -> core.add(requests(Set.of()).get(0), o -> { }))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("the engine has stopped");
        }
    }

    /**
     * Sampling where the logits are ({@link BatchRunner#forwardAndSample}, the GPU runner's sampling.cu): a runner
     * that draws on its device gets each row's parameters and its sampler's next uniform number, so seeded requests
     * give the tokens of the host path; rows that need the logits on the host (log-probabilities, penalties) take the
     * host path. {@link DrawingRunner} draws with the CPU Sampler given that u, the contract GpuSamplingDeviceTest
     * holds the kernel to.
     */
    @Test
    void shouldGiveSeededRequestsDrawnOnTheDeviceTheTokensOfTheHostPath() {
        Map<String, List<RequestOutput>> host = runAll(new EngineCore(model, new KvCachePool(model.config(), 4, 256),
                new SchedulerConfig(16, 8)), samplingRequests(-1, 1f));
        DrawingRunner device = new DrawingRunner(new KvCachePool(model.config(), 4, 256), 16);
        Map<String, List<RequestOutput>> drawn = runAll(new EngineCore(device, new SchedulerConfig(16, 8)),
                samplingRequests(-1, 1f));
        assertThat(device.draws).as("steps drawn on the device").isPositive();
        assertThat(device.forwards).as("steps that fetched logits").isZero();
        host.forEach((id, outputs) -> assertThat(concat(drawn.get(id))).as(id).hasSize(12)
                .containsExactly(concat(outputs)));
    }

    @Test
    void shouldKeepTheHostPathForRowsThatNeedTheLogitsThere() {
        for (List<EngineRequest> requests : List.of(samplingRequests(2, 1f), samplingRequests(-1, 1.3f))) {
            Map<String, List<RequestOutput>> host = runAll(new EngineCore(model,
                    new KvCachePool(model.config(), 4, 256), new SchedulerConfig(16, 8)), requests);
            DrawingRunner device = new DrawingRunner(new KvCachePool(model.config(), 4, 256), 16);
            Map<String, List<RequestOutput>> got = runAll(new EngineCore(device, new SchedulerConfig(16, 8)), requests);
            assertThat(device.draws).as("log-probabilities or penalties: no device draw").isZero();
            host.forEach((id, outputs) -> assertThat(concat(got.get(id))).as(id).containsExactly(concat(outputs)));
        }
    }

    private static List<EngineRequest> samplingRequests(int logprobs, float repetitionPenalty) {
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

    /** The CPU runner, drawing "on its device" with a fresh, penalty-free Sampler and the u it is given. */
    private static final class DrawingRunner implements BatchRunner {
        private final CpuBatchRunner cpu;
        int draws;
        int forwards;
        int failAfter = Integer.MAX_VALUE; // passes that work; the next throws, as a lost device would

        DrawingRunner(KvCachePool pool, int maxTokens) {
            this.cpu = new CpuBatchRunner(model, pool, maxTokens);
        }

        @Override
        public boolean samplesOnDevice() {
            return true;
        }

        @Override
        public int[] forwardAndSample(List<BatchSegment> segments, List<SamplingParams> params, double[] u) {
            if (draws + forwards >= failAfter) {
                throw new IllegalStateException("device lost");
            }
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
            if (draws + forwards >= failAfter) {
                throw new IllegalStateException("device lost");
            }
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

    @Test
    void shouldBoundThePromptScoringLogitsOfAStepTo64MiB() {
        assertThat(EngineCore.maxScoredRows(32_000)).isEqualTo(524);
        assertThat(EngineCore.maxScoredRows(128_256)).isEqualTo(130);   // Llama 3: not a 512-row, 256 MB array
        assertThat(EngineCore.maxScoredRows(Integer.MAX_VALUE)).isEqualTo(1);
    }
}
