package io.quantserve.engine.gpu.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.bench.SyntheticModels;
import io.quantserve.engine.gpu.DeviceTest;
import io.quantserve.engine.gpu.model.GpuBatchState;
import io.quantserve.engine.gpu.model.GpuKvCache;
import io.quantserve.engine.gpu.model.GpuLlamaModel;
import io.quantserve.engine.model.ModelConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link GpuStepProfile}'s rows on the tiny shape with short prompts, read back by {@link StepProfileTable} with a
 * microsecond a launch standing in for the profiler's times.
 */
class GpuStepProfileDeviceTest extends DeviceTest {

    @Test
    void everyRowListsItsLaunchesForTheTable() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GpuStepProfile.run(device, SyntheticModels.byName("tiny"), 32, new GpuStepProfile.Rows(20, new int[] {1, 3}, 6,
                40, 1), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();

        List<StepProfileTable.Step> steps = StepProfileTable.readSteps(lines);
        assertThat(steps).extracting(StepProfileTable.Step::name)
                .containsExactly("prefill-20", "decode-b1", "decode-b3", "decode-b1-context40");
        int layers = SyntheticModels.byName("tiny").numLayers();
        for (StepProfileTable.Step step : steps) {
            assertThat(step.wallMillis()).as(step.name()).isPositive();
            assertThat(step.launched()).as(step.name()).startsWith("embedding_rows")
                    .filteredOn(k -> k.startsWith("add_rmsnorm")).hasSize(2 * layers); // + the final norm - layer 0's
        }
        // the decode rows run one step: the same kernels at batch 1 and 3
        assertThat(steps.get(2).launched()).hasSameSizeAs(steps.get(1).launched());

        List<StepProfileTable.Timed> timed = steps.stream().flatMap(s -> s.launched().stream())
                .map(k -> new StepProfileTable.Timed(k, 1.0)).toList();
        List<String> table = StepProfileTable.table(steps, timed);
        assertThat(table.getFirst()).startsWith("prefill-20: " + steps.getFirst().launched().size() + " launches");
    }

    /** The model bench's decode rows also draw their tokens on the device: a step of each kind on one batch. */
    @Test
    void aDecodeBatchStepsWithLogitsOrWithTokensDrawnOnTheDevice() {
        ModelConfig c = SyntheticModels.byName("tiny");
        try (GpuLlamaModel model = GpuLlamaModel.random(device, c, 32, 3);
                GpuKvCache cache = model.newKvCache(8);
                GpuBatchState state = model.newBatchState(cache, 16, 2)) {
            DecodeBatch batch = DecodeBatch.prefilled(model, state, 2, 20, 4, new Random(5)); // chunks of 16 and 4
            batch.step(false);
            batch.step(true);
            assertThatThrownBy(() -> DecodeBatch.prefilled(model, state, 3, 4, 2, new Random(5)).step(true))
                    .as("3 rows to draw for, logits for 2").hasMessageContaining("3 rows to draw a token for");
        }
    }
}
