package io.quantserve.engine.linear;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.kvcache.KvCacheManager;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A packed AWQ model batches decodes and a prefill chunk through its LinearMethod as the float model does alone. */
class BatchedQuantizedForwardTest {
    @TempDir
    Path tmp;

    private static int[] tokens(int from, int count) {
        return IntStream.range(from, from + count).map(i -> 3 + (i * 37) % 380).toArray();
    }

    @Test
    void shouldGiveAwqSegmentsInOneBatchTheLogitsEachGetsAlone() throws Exception {
        AwqGptqCheckpoints.write(Fixtures.model("tiny-llama"), AwqGptqCheckpoints.Scheme.awq(16), tmp.resolve("q"),
                tmp.resolve("f"));
        try (LoadedModel loaded = LoadedModel.open(tmp.resolve("q"))) {
            LlamaModel model = loaded.model();
            assertThat(model.weights().layers()[0].q()).isInstanceOf(GroupIntLinear.class);
            KvCachePool pool = new KvCachePool(model.config(), 4, 32);
            KvCacheManager manager = KvCacheManager.of(pool);
            InferenceState batch = model.newBatchState(pool, 16);
            int[] promptA = tokens(0, 6);
            int[] promptB = tokens(40, 10);
            InferenceState a = model.newState(32);
            InferenceState b = model.newState(32);
            model.forward(a, promptA, 0, false);
            float[] aloneA = model.forward(a, new int[] {7}, 6, false);
            float[] aloneB = model.forward(b, promptB, 0, false);

            assertThat(manager.allocate(1, promptA)).isTrue();
            model.forwardBatch(batch, List.of(BatchSegment.of(manager.blockTable(1), 0, promptA)));
            assertThat(manager.allocate(1, new int[] {7})).isTrue();
            assertThat(manager.allocate(2, promptB)).isTrue();
            float[][] out = model.forwardBatch(batch, List.of(BatchSegment.of(manager.blockTable(1), 6, 7),
                    BatchSegment.of(manager.blockTable(2), 0, promptB)));
            assertClose(out[0], aloneA);
            assertClose(out[1], aloneB);
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        float scale = 0;
        float worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(actual).hasSameSizeAs(expected);
        assertThat(worst).isLessThanOrEqualTo(1e-5f * scale);
    }
}
