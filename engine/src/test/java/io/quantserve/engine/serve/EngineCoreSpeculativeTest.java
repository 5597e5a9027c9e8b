package io.quantserve.engine.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.generate.Generator;
import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.sampling.TokenLogprob;
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
 * Speculative decoding with n-gram drafts on stories260K (a trained model, whose stories repeat names and phrases):
 * greedy requests get exactly the tokens of plain decoding, alone or batched, under preemption, with stop tokens,
 * minimum lengths, constraints and log-probabilities; fewer steps than tokens show that drafts were accepted.
 */
class EngineCoreSpeculativeTest {
    private static final SpeculativeConfig NGRAM = new SpeculativeConfig(4, 1, 3);
    private static LoadedModel loaded;
    private static LlamaModel model;

    @BeforeAll
    static void open() throws Exception {
        loaded = LoadedModel.open(Fixtures.model("stories260K"));
        model = loaded.model();
    }

    @AfterAll
    static void close() throws Exception {
        loaded.close();
    }

    /** Prompts cut from one story's tokens (the model's own greedy continuation of BOS), so they repeat themselves. */
    private static List<int[]> prompts() {
        int[] story = alone(new EngineRequest("story", new int[] {1}, SamplingParams.greedy(), 120, Set.of()))
                .tokens();
        int[] bos = new int[story.length + 1];
        bos[0] = 1;
        System.arraycopy(story, 0, bos, 1, story.length);
        return List.of(Arrays.copyOf(bos, 30), Arrays.copyOf(bos, 61), Arrays.copyOfRange(bos, 0, 9),
                new int[] {1, 400, 401, 402, 400, 401, 402, 400, 401}, Arrays.copyOf(bos, 97));
    }

    private static List<EngineRequest> requests(SamplingParams sampling, Set<Integer> stop, int logprobs,
            int minTokens) {
        List<int[]> prompts = prompts();
        List<EngineRequest> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            out.add(new EngineRequest("req-" + i, prompts.get(i), sampling, 40 + 7 * i, stop, logprobs, null, -1,
                    minTokens));
        }
        return out;
    }

    private static Generator.Result alone(EngineRequest r) {
        return new Generator(model, null, r.stopTokenIds()).generate(
                new Generator.Request(r.prompt(), r.sampling(), r.maxTokens(), List.of(), false), text -> { });
    }

    private record Run(Map<String, List<RequestOutput>> outputs, int steps, EngineStats stats, long rows) {
        int[] tokens(String id) {
            return outputs.get(id).stream().flatMapToInt(o -> Arrays.stream(o.newTokens())).toArray();
        }

        List<TokenLogprob> logprobs(String id) {
            return outputs.get(id).stream().filter(o -> o.logprobs() != null)
                    .flatMap(o -> Arrays.stream(o.logprobs())).toList();
        }

        RequestOutput last(String id) {
            return outputs.get(id).getLast();
        }
    }

    private static Run run(SpeculativeConfig speculative, int blocks, List<EngineRequest> requests) {
        return run(speculative, blocks, requests, new SchedulerConfig(32, 8));
    }

    private static Run run(SpeculativeConfig speculative, int blocks, List<EngineRequest> requests,
            SchedulerConfig scheduler) {
        long[] rows = {0};
        BatchRunner cpu = new CpuBatchRunner(model, new KvCachePool(model.config(), 4, blocks), 32);
        BatchRunner counting = new BatchRunner() { // the CPU runner, counting the rows it runs
            public ModelConfig config() {
                return cpu.config();
            }

            public int blockSize() {
                return cpu.blockSize();
            }

            public int numBlocks() {
                return cpu.numBlocks();
            }

            public int maxTokens() {
                return cpu.maxTokens();
            }

            public long cacheBytes() {
                return cpu.cacheBytes();
            }

            public String backend() {
                return cpu.backend();
            }

            public float[][] forward(List<BatchSegment> segments) {
                rows[0] += segments.stream().mapToInt(s -> s.tokens().length).sum();
                return cpu.forward(segments);
            }

            public void close() {
                cpu.close();
            }
        };
        EngineCore core = new EngineCore(counting, scheduler, speculative);
        Map<String, List<RequestOutput>> outputs = new HashMap<>();
        for (EngineRequest r : requests) {
            List<RequestOutput> mine = new ArrayList<>();
            outputs.put(r.id(), mine);
            core.add(r, mine::add);
        }
        int steps = 0;
        for (; core.hasWork(); steps++) {
            assertThat(steps).as("steps").isLessThan(2000);
            core.step();
        }
        return new Run(outputs, steps, core.stats(), rows[0]);
    }

    private static void assertSameTokens(Run expected, Run actual, List<EngineRequest> requests) {
        for (EngineRequest r : requests) {
            assertThat(actual.tokens(r.id())).as(r.id()).containsExactly(expected.tokens(r.id()));
            assertThat(actual.last(r.id()).finishReason()).as(r.id()).isEqualTo(expected.last(r.id()).finishReason());
            List<RequestOutput> all = actual.outputs().get(r.id());
            assertThat(all.subList(0, all.size() - 1)).noneMatch(RequestOutput::finished);
        }
    }

    @Test
    void shouldGiveGreedyRequestsThePlainDecodingTokensInFewerSteps() {
        List<EngineRequest> requests = requests(SamplingParams.greedy(), Set.of(), -1, 0);
        for (EngineRequest r : requests) { // one at a time: the generator's tokens, in fewer steps than tokens
            Run spec = run(NGRAM, 256, List.of(r));
            assertThat(spec.tokens(r.id())).as(r.id()).containsExactly(alone(r).tokens());
            assertThat(spec.last(r.id()).finishReason()).isEqualTo(FinishReason.LENGTH);
        }
        Run plain = run(null, 256, requests);
        Run spec = run(NGRAM, 256, requests);
        assertSameTokens(plain, spec, requests);
        EngineStats stats = spec.stats();
        assertThat(stats.specDrafts()).isPositive();
        assertThat(stats.specAcceptedTokens()).isPositive().isLessThanOrEqualTo(stats.specDraftTokens());
        assertThat(stats.generationTokens()).isEqualTo(plain.stats().generationTokens());
        assertThat(spec.steps()).as("steps, %s accepted of %s drafted", stats.specAcceptedTokens(),
                stats.specDraftTokens()).isLessThan(plain.steps());
        assertThat(plain.stats().specDrafts()).isZero();
        // no preemption: every prompt token not in the prefix cache and every token but the last of each output run
        // once, plus the rejected drafts; accepted ones are not run again
        int prompts = requests.stream().mapToInt(r -> r.prompt().length).sum();
        assertThat(plain.rows()).isEqualTo(prompts - plain.stats().prefixCacheHits()
                + plain.stats().generationTokens() - requests.size());
        assertThat(spec.rows()).isEqualTo(prompts - stats.prefixCacheHits() + stats.generationTokens() - requests.size()
                + stats.specDraftTokens() - stats.specAcceptedTokens());
        assertThat(stats.kvCacheUsage()).isZero();
    }

    @Test
    void shouldKeepTheTokensUnderPreemptionAndAfterAcceptedDraftsEnterThePrefixCache() {
        List<EngineRequest> requests = requests(SamplingParams.greedy(), Set.of(), -1, 0);
        Run plain = run(null, 256, requests);
        // 40 blocks of 4 = 160 slots: the longest request (97 + 68 tokens) fits alone, the five together do not
        Run spec = run(NGRAM, 42, requests);
        assertSameTokens(plain, spec, requests);
        assertThat(spec.stats().preemptions()).isPositive();
        assertThat(spec.stats().specAcceptedTokens()).isPositive();

        // a follow-up turn: prompt + answer as the next prompt, served from cached blocks that hold accepted drafts
        EngineRequest first = requests.get(1);
        int[] answer = plain.tokens(first.id());
        int[] followUp = Arrays.copyOf(first.prompt(), first.prompt().length + answer.length);
        System.arraycopy(answer, 0, followUp, first.prompt().length, answer.length);
        EngineRequest next = new EngineRequest("next", followUp, SamplingParams.greedy(), 20, Set.of());
        EngineCore core = new EngineCore(new CpuBatchRunner(model, new KvCachePool(model.config(), 4, 256), 32),
                new SchedulerConfig(32, 8), NGRAM);
        List<RequestOutput> firstOut = new ArrayList<>();
        core.add(first, firstOut::add);
        while (core.hasWork()) {
            core.step();
        }
        assertThat(core.stats().specAcceptedTokens()).isPositive();
        List<RequestOutput> nextOut = new ArrayList<>();
        core.add(next, nextOut::add);
        while (core.hasWork()) {
            core.step();
        }
        assertThat(core.stats().prefixCacheHits()).as("cached blocks of the first turn")
                .isGreaterThanOrEqualTo(first.prompt().length + answer.length - 4 - 4);
        assertThat(nextOut.stream().flatMapToInt(o -> Arrays.stream(o.newTokens())).toArray())
                .containsExactly(alone(next).tokens());
    }

    @Test
    void shouldStopOnStopTokensAndHonourMinimumLengthsInsideAcceptedRuns() {
        List<EngineRequest> free = requests(SamplingParams.greedy(), Set.of(), -1, 0);
        Run unstopped = run(null, 256, free);
        // each request's 12th token is a stop token (it often came before too: min_tokens holds it back)
        Set<Integer> stops = Set.of(unstopped.tokens("req-0")[11], unstopped.tokens("req-4")[11]);
        for (int minTokens : new int[] {0, 6}) {
            List<EngineRequest> requests = requests(SamplingParams.greedy(), stops, -1, minTokens);
            Run plain = run(null, 256, requests);
            Run spec = run(NGRAM, 256, requests);
            assertSameTokens(plain, spec, requests);
            assertThat(spec.last("req-0").finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(spec.tokens("req-0").length).isGreaterThanOrEqualTo(minTokens)
                    .isLessThanOrEqualTo(minTokens == 0 ? 11 : Integer.MAX_VALUE);
        }
    }

    @Test
    void shouldReportTheLogprobsOfPlainDecodingForEveryAcceptedToken() {
        List<EngineRequest> requests = requests(SamplingParams.greedy(), Set.of(), 2, 0);
        Run plain = run(null, 256, requests);
        Run spec = run(NGRAM, 256, requests);
        assertSameTokens(plain, spec, requests);
        for (EngineRequest r : requests) {
            List<TokenLogprob> expected = plain.logprobs(r.id());
            List<TokenLogprob> actual = spec.logprobs(r.id());
            assertThat(actual).as(r.id()).hasSize(spec.tokens(r.id()).length).hasSameSizeAs(expected);
            for (int i = 0; i < actual.size(); i++) {
                assertThat(actual.get(i).token()).isEqualTo(expected.get(i).token());
                assertThat(actual.get(i).logprob()).as("%s token %d", r.id(), i)
                        .isCloseTo(expected.get(i).logprob(), org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
        assertThat(spec.stats().specAcceptedTokens()).isPositive();
    }

    @Test
    void shouldMaskEveryVerifiedRowWithTheRequestsConstraint() {
        // the constraint allows a few tokens and counts the ones it is given, which must be the output exactly
        int[] allowed = IntStream.of(prompts().get(1)).distinct().limit(6).toArray();
        List<List<Integer>> accepted = new ArrayList<>();
        List<EngineRequest> requests = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            List<Integer> mine = new ArrayList<>();
            accepted.add(mine);
            requests.add(new EngineRequest("c" + i, prompts().get(i + 1), SamplingParams.greedy(), 50, Set.of(), -1,
                    recording(allowed, mine)));
        }
        Run plain = run(null, 256, requests);
        List<List<Integer>> plainAccepted = List.copyOf(accepted.stream().map(List::copyOf).toList());
        accepted.forEach(List::clear);
        Run spec = run(NGRAM, 256, requests);
        assertSameTokens(plain, spec, requests);
        for (int i = 0; i < 2; i++) {
            assertThat(accepted.get(i)).isEqualTo(plainAccepted.get(i))
                    .containsExactlyElementsOf(IntStream.of(spec.tokens("c" + i)).boxed().toList());
            assertThat(IntStream.of(spec.tokens("c" + i)).boxed().toList())
                    .isSubsetOf(IntStream.of(allowed).boxed().toList());
        }
        assertThat(spec.stats().specAcceptedTokens()).isPositive();
    }

    @Test
    void shouldGiveSeededSampledRequestsTheTokensTheyGetWithoutDrafts() {
        // each token drawn as plain decoding draws it, one random number each: drafts change how many tokens a step
        // gives, not which, whatever the step's budget leaves for drafts
        List<EngineRequest> requests = new ArrayList<>();
        List<int[]> prompts = prompts();
        for (int i = 0; i < prompts.size(); i++) {
            SamplingParams sampling = SamplingParams.defaults().withTemperature(0.7f).withTopP(0.9f).withSeed(40 + i);
            requests.add(new EngineRequest("s" + i, prompts.get(i), sampling, 60, Set.of(), 1, null, -1, 0));
        }
        Run plain = run(null, 256, requests);
        Run spec = run(NGRAM, 256, requests);
        assertSameTokens(plain, spec, requests);
        assertThat(spec.stats().specAcceptedTokens()).isPositive();
        Run small = run(NGRAM, 256, requests, new SchedulerConfig(8, 8)); // budget for at most 3 drafted tokens
        assertSameTokens(plain, small, requests);
        assertThat(small.stats().specDraftTokens()).isLessThan(spec.stats().specDraftTokens());
    }

    /** Allows only {@code ids} and records the tokens the engine hands it. */
    private static TokenConstraint recording(int[] ids, List<Integer> accepted) {
        TokenConstraint only = EngineCoreTest.onlyTokens(ids);
        return new TokenConstraint() {
            @Override
            public void mask(float[] logits) {
                only.mask(logits);
            }

            @Override
            public void accept(int token) {
                accepted.add(token);
            }
        };
    }
}
