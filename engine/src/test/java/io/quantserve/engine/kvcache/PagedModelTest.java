package io.quantserve.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model reading its KV cache through block tables of a shared pool gets what a private contiguous cache gets. */
class PagedModelTest {
    private static final int B = 4; // small blocks, so that short prompts span several of them
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

    /** Prefill, then one decode step per token of {@code decode}; the logits of every step, in order. */
    private static float[][] alone(int[] prompt, int[] decode) {
        InferenceState s = model.newState(64);
        float[][] out = new float[decode.length + 1][];
        out[0] = model.forward(s, prompt, 0, false);
        for (int i = 0; i < decode.length; i++) {
            out[i + 1] = model.forward(s, new int[] {decode[i]}, prompt.length + i, false);
        }
        return out;
    }

    private static void assertClose(String what, float[] actual, float[] expected) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        float scale = 0;
        float worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst).as(what + ": max |Δlogit|").isLessThanOrEqualTo(1e-5f * scale);
    }

    @Test
    void shouldGiveTwoSequencesInterleavedInOnePoolTheLogitsEachGetsAlone() {
        KvCachePool pool = new KvCachePool(model.config(), B, 32);
        KvCacheManager manager = KvCacheManager.of(pool);
        int[] promptA = tokens(0, 11);
        int[] promptB = tokens(200, 6);
        int[] decodeA = tokens(50, 9);
        int[] decodeB = tokens(90, 9);

        assertThat(manager.allocate(1, promptA)).isTrue();
        assertThat(manager.allocate(2, promptB)).isTrue();
        InferenceState a = model.newState(pool, manager.blockTable(1));
        InferenceState b = model.newState(pool, manager.blockTable(2));
        float[][] pagedA = new float[decodeA.length + 1][];
        float[][] pagedB = new float[decodeB.length + 1][];
        pagedA[0] = model.forward(a, promptA, 0, false);
        pagedB[0] = model.forward(b, promptB, 0, false);
        for (int i = 0; i < decodeA.length; i++) {
            assertThat(manager.allocate(1, new int[] {decodeA[i]})).isTrue();
            pagedA[i + 1] = model.forward(a, new int[] {decodeA[i]}, promptA.length + i, false);
            assertThat(manager.allocate(2, new int[] {decodeB[i]})).isTrue();
            pagedB[i + 1] = model.forward(b, new int[] {decodeB[i]}, promptB.length + i, false);
        }

        int[] tableA = manager.blockTable(1).toArray();
        assertThat(tableA).as("interleaved, not contiguous").isNotEqualTo(IntStream.range(tableA[0], tableA[0] + tableA.length).toArray());
        float[][] expectedA = alone(promptA, decodeA);
        float[][] expectedB = alone(promptB, decodeB);
        for (int i = 0; i < expectedA.length; i++) {
            assertClose("A step " + i, pagedA[i], expectedA[i]);
            assertClose("B step " + i, pagedB[i], expectedB[i]);
        }
    }

    @Test
    void shouldPrefillOnlyWhatFollowsAPrefixCachedByAFinishedSequence() {
        KvCachePool pool = new KvCachePool(model.config(), B, 16);
        KvCacheManager manager = KvCacheManager.of(pool);
        int[] first = tokens(0, 13);
        assertThat(manager.computedPrefix(1, first)).isZero();
        manager.allocate(1, first);
        model.forward(model.newState(pool, manager.blockTable(1)), first, 0, false);
        int[] firstBlocks = manager.blockTable(1).toArray();
        manager.free(1);

        int[] second = Arrays.copyOf(first, 14);
        System.arraycopy(tokens(300, 5), 0, second, 9, 5); // shares 9 tokens: two full blocks
        int cached = manager.computedPrefix(2, second);
        assertThat(cached).isEqualTo(2 * B);
        assertThat(manager.blockTable(2).toArray()).containsExactly(firstBlocks[0], firstBlocks[1]);
        int[] rest = Arrays.copyOfRange(second, cached, second.length);
        assertThat(manager.allocate(2, rest)).isTrue();
        float[] reused = model.forward(model.newState(pool, manager.blockTable(2)), rest, cached, true);

        float[] full = model.forward(model.newState(64), second, 0, true);
        int vocab = model.config().vocabSize();
        assertClose("logits of the positions after the cached prefix", reused,
                Arrays.copyOfRange(full, cached * vocab, full.length));
        assertThat(manager.prefixCacheHits()).isEqualTo(8);
    }

    @Test
    void shouldRefusePositionsTheBlockTableHasNoSlotsFor() {
        KvCachePool pool = new KvCachePool(model.config(), B, 4);
        KvCacheManager manager = KvCacheManager.of(pool);
        manager.allocate(1, tokens(0, 5));
        InferenceState s = model.newState(pool, manager.blockTable(1));
        assertThatThrownBy(() -> model.forward(s, tokens(0, 9), 0, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no KV cache slots");
    }

    @Test
    void shouldKeepMistralsSlidingWindowAcrossScatteredBlocks(@TempDir Path dir) throws Exception {
        Path src = Fixtures.model("tiny-llama");
        Files.writeString(dir.resolve("config.json"), Files.readString(src.resolve("config.json"))
                .replace("\"LlamaForCausalLM\"", "\"MistralForCausalLM\"")
                .replace("\"tie_word_embeddings\"", "\"sliding_window\": 6, \"tie_word_embeddings\""));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        try (LoadedModel mistral = LoadedModel.open(dir)) {
            LlamaModel m = mistral.model();
            assertThat(m.config().slidingWindow()).isEqualTo(6);
            KvCachePool pool = new KvCachePool(m.config(), B, 16);
            KvCacheManager manager = KvCacheManager.of(pool);
            int[] prompt = tokens(0, 10);
            int[] decode = tokens(60, 7);
            manager.allocate(1, prompt);
            InferenceState paged = m.newState(pool, manager.blockTable(1));
            InferenceState contiguous = m.newState(64);
            assertClose("prefill", m.forward(paged, prompt, 0, true), m.forward(contiguous, prompt, 0, true));
            for (int i = 0; i < decode.length; i++) {
                manager.allocate(2, new int[] {decode[i]}); // another sequence takes blocks in between: scattered
                manager.allocate(1, new int[] {decode[i]});
                int[] step = {decode[i]};
                assertClose("decode " + i, m.forward(paged, step, prompt.length + i, false),
                        m.forward(contiguous, step, prompt.length + i, false));
            }
        }
    }
}
