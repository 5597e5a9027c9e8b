package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.gpu.DeviceTest;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Decode steps replayed from CUDA graphs against the same steps as plain launches, on two caches fed the same
 * tokens: the same kernels with the same arguments, so the logits are equal bit for bit, through batch sizes that
 * change (a sequence leaves), table widths that cross a power of two (a new graph), and a prefill between decode
 * steps (plain launches, then replays again). Skipped where no CUDA device is usable.
 */
class DecodeGraphsDeviceTest extends DeviceTest {

    @Test
    void replayedDecodeStepsEqualPlainLaunchesBitForBit() throws Exception {
        try (LoadedModel loaded = LoadedModel.open(Fixtures.model("stories260K"));
                GpuLlamaModel gpu = GpuLlamaModel.load(device, loaded);
                GpuKvCache graphCache = gpu.newKvCache(40);
                GpuKvCache plainCache = gpu.newKvCache(40);
                GpuBatchState graphs = gpu.newBatchState(graphCache, 32);
                GpuBatchState plain = gpu.newBatchState(plainCache, 32)) {
            plain.useGraphs(false);
            int[][] prompts = {{1, 385, 328, 432, 261, 298}, {1, 300}, {1, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53}};
            BlockTable[] tables = new BlockTable[prompts.length];
            int[] pos = new int[prompts.length];
            for (int i = 0; i < prompts.length; i++) {
                tables[i] = BlockTable.of(16, 12 * i, 12 * i + 1, 12 * i + 2, 12 * i + 3, 12 * i + 4, 12 * i + 5);
                gpu.forward(graphs, tables[i], prompts[i], 0, false);
                gpu.forward(plain, tables[i], prompts[i], 0, false);
                pos[i] = prompts[i].length;
            }
            int token = 7;
            for (int step = 0; step < 40; step++) {
                int live = step < 25 ? 3 : 2; // the third sequence leaves: a batch of two, a new shape
                List<BatchSegment> segments = new ArrayList<>();
                for (int i = 0; i < live; i++) {
                    segments.add(BatchSegment.of(tables[i], pos[i]++, token++ % 500 + 3));
                }
                if (step == 30) { // a prefill chunk in between runs as plain launches in both
                    int[] chunk = {9, 10, 11, 12};
                    for (GpuBatchState s : List.of(graphs, plain)) {
                        gpu.forwardBatch(s, List.of(new BatchSegment(tables[2], pos[2], chunk, BatchSegment.Logits.LAST)));
                    }
                    pos[2] += chunk.length;
                }
                float[][] replayed = gpu.forwardBatch(graphs, segments);
                float[][] launched = gpu.forwardBatch(plain, segments);
                for (int i = 0; i < live; i++) {
                    assertThat(replayed[i]).as("step %d, sequence %d", step, i).containsExactly(launched[i]);
                }
            }
            // shapes (rows, table width): the third sequence reaches blocks 1, 2, 3 at positions 11, 16, 32, so 3 rows
            // at widths 1, 2, 4 for 5, 16 and 4 steps; then 2 rows at width 2 (positions 31 and 27) for 1 step and
            // at 4 for 14. A shape's first step is a warm-up, its second recorded: 4 graphs (the one-step shape gets
            // none), 3 + 14 + 2 + 12 replays
            assertThat(graphs.graphs.captures()).as("graphs recorded").isEqualTo(4);
            assertThat(graphs.graphs.replays()).as("steps replayed").isEqualTo(31);
            assertThat(plain.graphs.captures()).isZero();
        }
    }
}
