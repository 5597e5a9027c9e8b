package io.quantserve.engine.gpu.bench;

import io.quantserve.engine.gpu.SampleRow;
import io.quantserve.engine.gpu.model.GpuBatchState;
import io.quantserve.engine.gpu.model.GpuLlamaModel;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The sequences of a decode benchmark row: sequence s holds KV blocks {@code s · blocksEach ..} and a random prompt of
 * {@code context} tokens, prefilled in chunks of the batch state's size; each {@link #step} then adds one random token
 * to every sequence, as a decode step of the node's scheduler does.
 */
final class DecodeBatch {
    private static final SamplingParams TOP_P = SamplingParams.defaults().withTemperature(0.8f).withTopP(0.95f);

    private final GpuLlamaModel model;
    private final GpuBatchState state;
    private final BlockTable[] tables;
    private final Random rnd;
    private final int vocab;
    private int position;

    private DecodeBatch(GpuLlamaModel model, GpuBatchState state, BlockTable[] tables, int context, Random rnd) {
        this.model = model;
        this.state = state;
        this.tables = tables;
        this.rnd = rnd;
        this.vocab = model.config().vocabSize();
        this.position = context;
    }

    static DecodeBatch prefilled(GpuLlamaModel model, GpuBatchState state, int batch, int context, int blocksEach,
            Random rnd) {
        int vocab = model.config().vocabSize();
        BlockTable[] tables = new BlockTable[batch];
        for (int s = 0; s < batch; s++) {
            tables[s] = new BlockTable(model.blockSize());
            for (int b = 0; b < blocksEach; b++) {
                tables[s].add(s * blocksEach + b);
            }
            int[] prompt = rnd.ints(context, 0, vocab).toArray();
            for (int done = 0; done < context; done += state.maxTokens()) {
                int[] chunk = Arrays.copyOfRange(prompt, done, Math.min(context, done + state.maxTokens()));
                model.forwardBatch(state, List.of(BatchSegment.of(tables[s], done, chunk)));
            }
        }
        return new DecodeBatch(model, state, tables, context, rnd);
    }

    /**
     * One token more for every sequence: the logits copied to the host, or with {@code drawOnDevice} top-p tokens
     * drawn on the device and only those copied (what the node does for requests without log-probabilities or
     * penalties).
     */
    void step(boolean drawOnDevice) {
        List<BatchSegment> segments = new ArrayList<>(tables.length);
        for (BlockTable table : tables) {
            segments.add(BatchSegment.of(table, position, rnd.nextInt(vocab)));
        }
        position++;
        if (drawOnDevice) {
            List<SampleRow> rows = new ArrayList<>(tables.length);
            for (int s = 0; s < tables.length; s++) {
                rows.add(SampleRow.of(TOP_P, rnd.nextDouble()));
            }
            model.forwardBatchSample(state, segments, rows);
        } else {
            model.forwardBatch(state, segments);
        }
    }
}
