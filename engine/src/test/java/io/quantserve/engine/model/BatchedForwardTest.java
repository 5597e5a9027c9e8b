package io.quantserve.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.kvcache.KvCacheManager;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.BatchSegment.Logits;
import io.quantserve.engine.testing.Fixtures;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Several sequences in one forward get the logits each gets alone. */
class BatchedForwardTest {
    private static LoadedModel loaded;

    @BeforeAll
    static void open() throws Exception {
        loaded = LoadedModel.open(Fixtures.model("tiny-llama"));
    }

    @AfterAll
    static void close() throws Exception {
        loaded.close();
    }

    static int[] tokens(int from, int count) {
        return IntStream.range(from, from + count).map(i -> 3 + (i * 37) % 380).toArray();
    }

    static void assertClose(String what, float[] actual, float[] expected) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        float scale = 0;
        float worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst).as(what + ": max |Δlogit|").isLessThanOrEqualTo(1e-5f * scale);
    }

    /**
     * Two sequences decode while a third prefills in chunks, all in shared batches; every logit row matches the
     * sequence run alone with a private cache.
     */
    static void assertBatchMatchesAlone(LlamaModel model) {
        KvCachePool pool = new KvCachePool(model.config(), 4, 64);
        KvCacheManager manager = KvCacheManager.of(pool);
        InferenceState batch = model.newBatchState(pool, 32);
        int[] promptA = tokens(0, 7);
        int[] promptB = tokens(100, 5);
        int[] promptC = tokens(200, 15);
        int[] decodeA = tokens(50, 2);
        int[] decodeB = tokens(70, 2);

        // alone
        InferenceState a = model.newState(64);
        InferenceState b = model.newState(64);
        InferenceState c = model.newState(64);
        model.forward(a, promptA, 0, false);
        model.forward(b, promptB, 0, false);
        float[] aloneA1 = model.forward(a, new int[] {decodeA[0]}, 7, false);
        float[] aloneB1 = model.forward(b, new int[] {decodeB[0]}, 5, false);
        float[] aloneC1 = model.forward(c, Arrays.copyOfRange(promptC, 0, 9), 0, false);
        float[] aloneA2 = model.forward(a, new int[] {decodeA[1]}, 8, false);
        float[] aloneB2 = model.forward(b, new int[] {decodeB[1]}, 6, false);
        float[] aloneC2 = model.forward(c, Arrays.copyOfRange(promptC, 9, 15), 9, true);

        // batched: prefill A and B together, then two mixed steps
        assertThat(manager.allocate(1, promptA)).isTrue();
        assertThat(manager.allocate(2, promptB)).isTrue();
        model.forwardBatch(batch, List.of(BatchSegment.of(manager.blockTable(1), 0, promptA),
                BatchSegment.of(manager.blockTable(2), 0, promptB)));

        assertThat(manager.allocate(1, new int[] {decodeA[0]})).isTrue();
        assertThat(manager.allocate(2, new int[] {decodeB[0]})).isTrue();
        assertThat(manager.allocate(3, Arrays.copyOfRange(promptC, 0, 9))).isTrue();
        float[][] step1 = model.forwardBatch(batch, List.of(
                BatchSegment.of(manager.blockTable(1), 7, decodeA[0]),
                BatchSegment.of(manager.blockTable(2), 5, decodeB[0]),
                new BatchSegment(manager.blockTable(3), 0, Arrays.copyOfRange(promptC, 0, 9), Logits.LAST)));
        assertClose("A decode 1", step1[0], aloneA1);
        assertClose("B decode 1", step1[1], aloneB1);
        assertClose("C chunk 1", step1[2], aloneC1);

        assertThat(manager.allocate(3, Arrays.copyOfRange(promptC, 9, 15))).isTrue();
        assertThat(manager.allocate(1, new int[] {decodeA[1]})).isTrue();
        assertThat(manager.allocate(2, new int[] {decodeB[1]})).isTrue();
        float[][] step2 = model.forwardBatch(batch, List.of(
                new BatchSegment(manager.blockTable(3), 9, Arrays.copyOfRange(promptC, 9, 15), Logits.ALL),
                BatchSegment.of(manager.blockTable(1), 8, decodeA[1]),
                new BatchSegment(manager.blockTable(2), 6, new int[] {decodeB[1]}, Logits.NONE)));
        assertClose("C chunk 2, all rows", step2[0], aloneC2);
        assertClose("A decode 2", step2[1], aloneA2);
        assertThat(step2[2]).as("B asked for no logits").isNull();
        // B's key and value still joined its cache: its next decode matches
        float[] aloneB3 = model.forward(b, new int[] {decodeA[0]}, 7, false);
        assertThat(manager.allocate(2, new int[] {decodeA[0]})).isTrue();
        assertClose("B decode 3", model.forwardBatch(batch,
                List.of(BatchSegment.of(manager.blockTable(2), 7, decodeA[0])))[0], aloneB3);
    }

    @Test
    void shouldGiveMixedDecodeAndPrefillSegmentsTheLogitsEachGetsAlone() {
        assertBatchMatchesAlone(loaded.model());
    }

    @Test
    void shouldRefuseABatchLargerThanTheStateOrBeyondTheTableSlots() {
        LlamaModel model = loaded.model();
        KvCachePool pool = new KvCachePool(model.config(), 4, 16);
        KvCacheManager manager = KvCacheManager.of(pool);
        InferenceState batch = model.newBatchState(pool, 8);
        assertThat(manager.allocate(1, tokens(0, 12))).isTrue();
        assertThatThrownBy(() -> model.forwardBatch(batch, List.of(BatchSegment.of(manager.blockTable(1), 0,
                tokens(0, 12))))).hasMessageContaining("exceeds the state's 8");
        assertThatThrownBy(() -> model.forwardBatch(batch, List.of(BatchSegment.of(manager.blockTable(1), 10,
                tokens(0, 3))))).hasMessageContaining("no KV cache slots");
        assertThatThrownBy(() -> model.forwardBatch(batch, List.of())).hasMessageContaining("empty batch");
    }

}
