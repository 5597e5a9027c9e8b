package io.quantserve.engine.gpu.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.bench.SyntheticModels;
import io.quantserve.engine.gpu.DeviceTest;
import io.quantserve.engine.gpu.model.GpuBatchState;
import io.quantserve.engine.gpu.model.GpuKvCache;
import io.quantserve.engine.gpu.model.GpuLlamaModel;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.ModelConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The random-weight model behind {@link GpuModelBench} and the bench's own table, on the tiny shape. */
class GpuModelBenchDeviceTest extends DeviceTest {

    @Test
    void randomAwqModelGivesFiniteLogitsOfTheVocabularySize() {
        ModelConfig c = SyntheticModels.byName("tiny");
        try (GpuLlamaModel model = GpuLlamaModel.random(device, c, 32, 3);
                GpuKvCache cache = model.newKvCache(8);
                GpuBatchState state = model.newBatchState(cache, 64)) {
            BlockTable table = BlockTable.of(model.blockSize(), 0, 1, 2, 3);
            float[][] logits = model.forwardBatch(state, List.of(BatchSegment.of(table, 0, 1, 5, 9, 200)));
            assertThat(logits).hasDimensions(1, c.vocabSize());
            float[] next = model.forwardBatch(state, List.of(BatchSegment.of(table, 4, 17)))[0];
            for (float[] row : new float[][] {logits[0], next}) {
                for (float v : row) {
                    assertThat(Float.isFinite(v)).as("logit %s", v).isTrue();
                }
            }
            assertThat(next).isNotEqualTo(logits[0]);
        }
    }

    /** The same weights with act-order: each layer gathers its input first, which must change the logits. */
    @Test
    void actOrderRandomModelPermutesItsInputs() {
        ModelConfig c = SyntheticModels.byName("tiny");
        try (GpuLlamaModel plain = GpuLlamaModel.random(device, c, 32, 3);
                GpuLlamaModel gathered = GpuLlamaModel.random(device, c, 32, 3, true);
                GpuKvCache plainCache = plain.newKvCache(8);
                GpuKvCache gatheredCache = gathered.newKvCache(8);
                GpuBatchState plainState = plain.newBatchState(plainCache, 64);
                GpuBatchState gatheredState = gathered.newBatchState(gatheredCache, 64)) {
            BlockTable table = BlockTable.of(plain.blockSize(), 0, 1, 2, 3);
            float[] a = plain.forwardBatch(plainState, List.of(BatchSegment.of(table, 0, 1, 5, 9, 200)))[0];
            float[] b = gathered.forwardBatch(gatheredState, List.of(BatchSegment.of(table, 0, 1, 5, 9, 200)))[0];
            for (float v : b) {
                assertThat(Float.isFinite(v)).as("logit %s", v).isTrue();
            }
            assertThat(b).isNotEqualTo(a);
        }
    }

    @Test
    void benchPrintsPrefillAndEveryDecodeBatch() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GpuModelBench.run(device, SyntheticModels.byName("tiny"), "tiny", 32, new PrintStream(bytes, true,
                StandardCharsets.UTF_8));
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("prefill 512 tokens", "decode batch 1 ", "decode batch 8 ", "decode batch 32 ",
                "decode batch 1, context 1856", "plain launches", "drawn on the device", "GPTQ act-order");
    }
}
