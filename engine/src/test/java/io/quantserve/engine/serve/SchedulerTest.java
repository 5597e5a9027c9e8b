package io.quantserve.engine.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.kvcache.KvCacheManager;
import io.quantserve.engine.sampling.SamplingParams;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The scheduling policy alone: the "forward" is simulated by advancing sequences and appending a token. */
class SchedulerTest {
    private long nextId;

    private Sequence seq(int promptLength, int maxTokens) {
        int[] prompt = IntStream.range(0, promptLength).map(i -> 10 + (int) nextId * 50 + i).toArray();
        long id = nextId++;
        return new Sequence(id, new EngineRequest("r" + id, prompt, SamplingParams.greedy(), maxTokens, Set.of()), 0);
    }

    /** Runs the plan as the engine would: K/V computed, and a token for each chunk that reached its sequence's end. */
    private static SchedulerOutput step(Scheduler scheduler) {
        SchedulerOutput plan = scheduler.schedule();
        for (ScheduledChunk c : plan.chunks()) {
            c.seq().advance(c.tokens().length);
            if (c.sample()) {
                c.seq().append(100 + c.seq().numGenerated());
            }
        }
        return plan;
    }

    private static List<String> ids(SchedulerOutput plan) {
        return plan.chunks().stream().map(c -> c.seq().request().id() + ":" + c.tokens().length).toList();
    }

    @Test
    void shouldGiveEveryRunningSequenceItsDecodeTokenBeforePrefillingALongPromptInChunks() {
        Scheduler scheduler = new Scheduler(new KvCacheManager(64, 4, true), new SchedulerConfig(8, 8));
        Sequence a = seq(3, 50);
        Sequence b = seq(3, 50);
        scheduler.add(a);
        scheduler.add(b);
        assertThat(ids(step(scheduler))).containsExactly("r0:3", "r1:3");
        Sequence c = seq(20, 5);
        scheduler.add(c);

        assertThat(ids(step(scheduler))).containsExactly("r0:1", "r1:1", "r2:6");
        assertThat(ids(step(scheduler))).containsExactly("r0:1", "r1:1", "r2:6");
        assertThat(ids(step(scheduler))).containsExactly("r0:1", "r1:1", "r2:6");
        SchedulerOutput last = step(scheduler);
        assertThat(ids(last)).containsExactly("r0:1", "r1:1", "r2:2");
        assertThat(last.chunks()).allMatch(ScheduledChunk::sample);
        assertThat(c.numGenerated()).isEqualTo(1);
        assertThat(a.numGenerated()).as("a decoded every step while c prefilled").isEqualTo(5);
        assertThat(ids(step(scheduler))).containsExactly("r0:1", "r1:1", "r2:1");
    }

    @Test
    void shouldGiveDraftedTokensOnlyWhatDecodesAndRunningPrefillsLeave() {
        // speculative decoding: five decoding sequences with 4-token drafts and a budget of 8 tokens
        Scheduler scheduler = new Scheduler(new KvCacheManager(64, 4, true), new SchedulerConfig(8, 8));
        List<Sequence> seqs = IntStream.range(0, 5).mapToObj(i -> seq(2, 50)).toList();
        seqs.forEach(scheduler::add);
        step(scheduler);
        step(scheduler); // four prompts of 2 tokens, then the fifth next to four decodes
        assertThat(seqs).allMatch(s -> s.numUncomputed() == 1);
        seqs.forEach(s -> s.draft(new int[] {7, 8, 9, 10}));
        SchedulerOutput plan = scheduler.schedule();
        // every sequence its decode token first; the 3 tokens left go to the oldest's drafts
        assertThat(ids(plan)).containsExactly("r0:4", "r1:1", "r2:1", "r3:1", "r4:1");
        assertThat(plan.chunks().getFirst().drafts()).isEqualTo(3);
        assertThat(plan.chunks().getFirst().draftTokens()).containsExactly(7, 8, 9);
        assertThat(plan.chunks().getFirst().sample()).isTrue();
    }

    @Test
    void shouldDropDraftsThatTheCacheCannotHoldInsteadOfPreemptingAnyone() {
        // 4 blocks of 4: two sequences of 6 tokens (2 blocks each) fill the pool; a draft needs a third block each
        Scheduler scheduler = new Scheduler(new KvCacheManager(4, 4, true), new SchedulerConfig(32, 8));
        Sequence a = seq(5, 50);
        Sequence b = seq(5, 50);
        scheduler.add(a);
        scheduler.add(b);
        step(scheduler);
        a.draft(new int[] {7, 8, 9});
        b.draft(new int[] {7, 8, 9});
        SchedulerOutput plan = scheduler.schedule();
        assertThat(ids(plan)).containsExactly("r0:1", "r1:1");
        assertThat(scheduler.preemptions()).isZero();
        assertThat(scheduler.numRunning()).isEqualTo(2);
    }

    @Test
    void shouldBoundThePromptRowsThatBringLogitsInOneStep() {
        // prompt log-probabilities: every prompt row brings a vocabulary of logits; at most 6 such rows a step
        Scheduler scheduler = new Scheduler(new KvCacheManager(64, 4, true), new SchedulerConfig(16, 8), 6);
        Sequence a = scored(10);
        Sequence b = scored(10);
        Sequence c = seq(5, 2);
        scheduler.add(a);
        scheduler.add(b);
        scheduler.add(c);
        // a takes the 6 rows; b gets none, so it waits, and c behind it (first come, first admitted)
        assertThat(ids(step(scheduler))).containsExactly("r0:6");
        // a's last 4 rows, b the 2 left, c unbounded
        assertThat(ids(step(scheduler))).containsExactly("r0:4", "r1:2", "r2:5");
        // a scored its prompt and decodes as any other sequence; b goes on with 6 rows
        assertThat(ids(step(scheduler))).containsExactly("r0:1", "r2:1", "r1:6");
        assertThat(a.numGenerated()).isEqualTo(2);
    }

    private Sequence scored(int promptLength) {
        long id = nextId++;
        return new Sequence(id, new EngineRequest("r" + id, IntStream.range(0, promptLength).toArray(),
                SamplingParams.greedy(), 4, Set.of(), -1, null, 0, 0), 0);
    }

    @Test
    void shouldNotPrefillChunksAPromptWhoseChunkIsNotItsEndWithoutSampling() {
        Scheduler scheduler = new Scheduler(new KvCacheManager(64, 4, true), new SchedulerConfig(8, 8));
        Sequence a = seq(10, 5);
        scheduler.add(a);
        SchedulerOutput first = step(scheduler);
        assertThat(first.chunks()).singleElement().satisfies(c -> {
            assertThat(c.start()).isZero();
            assertThat(c.tokens()).hasSize(8);
            assertThat(c.sample()).isFalse();
        });
        SchedulerOutput second = step(scheduler);
        assertThat(second.chunks()).singleElement().satisfies(c -> {
            assertThat(c.start()).isEqualTo(8);
            assertThat(c.sample()).isTrue();
        });
    }

    @Test
    void shouldRunAtMostMaxNumSeqsAndAdmitTheNextWhenOneFinishes() {
        Scheduler scheduler = new Scheduler(new KvCacheManager(64, 4, true), new SchedulerConfig(32, 2));
        Sequence a = seq(3, 5);
        Sequence b = seq(3, 5);
        Sequence c = seq(3, 5);
        scheduler.add(a);
        scheduler.add(b);
        scheduler.add(c);
        assertThat(ids(step(scheduler))).containsExactly("r0:3", "r1:3");
        assertThat(scheduler.numWaiting()).isEqualTo(1);
        scheduler.finish(a, FinishReason.STOP);
        assertThat(ids(step(scheduler))).containsExactly("r1:1", "r2:3");
        assertThat(scheduler.numRunning()).isEqualTo(2);
    }

    @Test
    void shouldPreemptTheNewestSequenceWhenBlocksRunOutAndResumeItFromItsCachedPrefix() {
        KvCacheManager manager = new KvCacheManager(6, 4, true); // 24 token slots
        Scheduler scheduler = new Scheduler(manager, new SchedulerConfig(32, 8));
        Sequence a = seq(8, 6);
        Sequence b = seq(8, 20);
        scheduler.add(a);
        scheduler.add(b);
        step(scheduler); // both prompts: 4 blocks, each sampled its first token
        for (int i = 0; i < 4; i++) {
            assertThat(ids(step(scheduler))).containsExactly("r0:1", "r1:1"); // positions 8..11: one block each
        }
        // a's position 12 needs a 7th block: b, the newest, is preempted, and cannot come back while a runs
        assertThat(ids(step(scheduler))).containsExactly("r0:1");
        assertThat(scheduler.preemptions()).isEqualTo(1);
        assertThat(b.status()).isEqualTo(Sequence.Status.WAITING);
        assertThat(b.numComputed()).isZero();
        assertThat(b.generated()).as("what b generated is kept, to recompute").hasSize(5);
        assertThat(a.numGenerated()).isEqualTo(6);
        scheduler.finish(a, FinishReason.LENGTH);

        SchedulerOutput resumed = step(scheduler);
        assertThat(resumed.chunks()).singleElement().satisfies(c -> {
            assertThat(c.seq()).isSameAs(b);
            // its prompt blocks came back from the prefix cache; the block of positions 8..11 was the first evicted,
            // taken by a's growth, so those and the last sampled token are recomputed
            assertThat(c.start()).isEqualTo(8);
            assertThat(c.tokens()).hasSize(5);
            assertThat(c.sample()).isTrue();
        });
        assertThat(b.generated()).hasSize(6);
    }

    @Test
    void shouldFailASequenceThatCannotFitEvenAloneAndKeepServingTheOthers() {
        KvCacheManager manager = new KvCacheManager(2, 4, true); // 8 token slots
        Scheduler scheduler = new Scheduler(manager, new SchedulerConfig(32, 8));
        Sequence huge = seq(12, 1);
        Sequence small = seq(3, 1);
        scheduler.add(huge);
        scheduler.add(small);
        SchedulerOutput plan = step(scheduler);
        assertThat(plan.failed()).containsExactly(huge);
        assertThat(huge.finishReason()).isEqualTo(FinishReason.ERROR);
        assertThat(huge.error()).contains("2 blocks of 4");
        assertThat(ids(plan)).containsExactly("r1:3");
    }

    @Test
    void shouldFailARunningSequenceThatOutgrowsTheWholePool() {
        KvCacheManager manager = new KvCacheManager(2, 4, true);
        Scheduler scheduler = new Scheduler(manager, new SchedulerConfig(32, 8));
        Sequence a = seq(7, 10);
        scheduler.add(a);
        step(scheduler); // positions 0..6, token at 7
        step(scheduler); // position 7 fills the pool
        SchedulerOutput plan = step(scheduler);
        assertThat(plan.failed()).containsExactly(a);
        assertThat(manager.numFreeBlocks()).isEqualTo(2);
        assertThat(scheduler.hasWork()).isFalse();
    }

    @Test
    void shouldFreeTheBlocksOfAnAbortedSequence() {
        KvCacheManager manager = new KvCacheManager(16, 4, true);
        Scheduler scheduler = new Scheduler(manager, new SchedulerConfig(32, 8));
        Sequence a = seq(10, 5);
        Sequence waiting = seq(3, 5);
        scheduler.add(a);
        step(scheduler);
        assertThat(manager.numFreeBlocks()).isEqualTo(13);
        scheduler.add(waiting);
        scheduler.finish(a, FinishReason.ABORT);
        scheduler.finish(waiting, FinishReason.ABORT);
        assertThat(manager.numFreeBlocks()).isEqualTo(16);
        assertThat(a.status()).isEqualTo(Sequence.Status.FINISHED);
        assertThat(scheduler.hasWork()).isFalse();
        assertThat(scheduler.schedule().chunks()).isEmpty();
    }
}
