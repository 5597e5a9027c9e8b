package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.gpu.model.BatchPlan.Part;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.testing.Fixtures;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchPlanTest {
    private static final BlockTable A = BlockTable.of(16, 4, 9);
    private static final BlockTable B = BlockTable.of(16, 2);
    private static final BlockTable C = BlockTable.of(16, 7, 1, 3);

    private static int[] part(BatchPlan p, Part part) {
        return Arrays.copyOfRange(p.meta(), p.offset(part), p.offset(part) + p.length(part));
    }

    @Test
    void shouldSendOneTokenSegmentsToTheDecodeKernelAndLongerOnesToPrefill() {
        BatchPlan p = BatchPlan.of(List.of(
                BatchSegment.of(A, 20, 11),
                new BatchSegment(C, 30, new int[] {5, 6, 7}, BatchSegment.Logits.ALL),
                new BatchSegment(B, 3, new int[] {8}, BatchSegment.Logits.NONE)), 16, 10, 8, 2048);

        assertThat(p.rows()).isEqualTo(5);
        assertThat(p.tokens()).containsExactly(11, 5, 6, 7, 8);
        assertThat(part(p, Part.POSITIONS)).containsExactly(20, 30, 31, 32, 3);
        // position 20 of A: block 9 slot 4; 30, 31 of C: block 1 slots 14, 15; 32: block 3 slot 0; 3 of B: block 2
        assertThat(part(p, Part.SLOTS)).containsExactly(9 * 16 + 4, 16 + 14, 16 + 15, 3 * 16, 2 * 16 + 3);
        assertThat(p.decodeItems()).isEqualTo(2);
        assertThat(p.decodeTableWidth()).isEqualTo(2);
        assertThat(part(p, Part.DECODE_TABLES)).containsExactly(4, 9, 2, 0);
        assertThat(part(p, Part.DECODE_ROWS)).containsExactly(0, 4);
        assertThat(part(p, Part.DECODE_TABLE_INDEX)).containsExactly(0, 1);
        assertThat(part(p, Part.DECODE_POSITIONS)).containsExactly(20, 3);
        assertThat(p.prefills()).hasSize(1);
        BatchPlan.Prefill pre = p.prefills().get(0);
        assertThat(pre.row0()).isEqualTo(1);
        assertThat(pre.start()).isEqualTo(30);
        assertThat(pre.length()).isEqualTo(3);
        assertThat(Arrays.copyOfRange(p.meta(), pre.tableOffset(), pre.tableOffset() + pre.tableBlocks()))
                .containsExactly(7, 1, 3);
        assertThat(p.logitRows()).containsExactly(0, 1, 2, 3);
        assertThat(p.logitRowsOf(0)).isEqualTo(1);
        assertThat(p.logitRowsOf(1)).isEqualTo(3);
        assertThat(p.logitRowsOf(2)).isZero();
        assertThat(p.maxPosition()).isEqualTo(32);
    }

    @Test
    void shouldRefuseWhatTheKernelsWouldReadOutOfBounds() {
        assertThatThrownBy(() -> BatchPlan.of(List.of(BatchSegment.of(B, 16, 1)), 16, 10, 8, 2048))
                .hasMessageContaining("no KV cache slots");
        assertThatThrownBy(() -> BatchPlan.of(List.of(BatchSegment.of(A, 17, 1)), 16, 9, 8, 2048))
                .hasMessageContaining("block 9").hasMessageContaining("9 blocks");
        assertThatThrownBy(() -> BatchPlan.of(List.of(BatchSegment.of(BlockTable.of(8, 0), 0, 1)), 16, 10, 8, 2048))
                .hasMessageContaining("block size 8");
        assertThatThrownBy(() -> BatchPlan.of(List.of(new BatchSegment(C, 0, new int[9], BatchSegment.Logits.LAST)),
                16, 10, 8, 2048)).hasMessageContaining("exceeds the state's 8");
        assertThatThrownBy(() -> BatchPlan.of(List.of(BatchSegment.of(C, 40, 1)), 16, 10, 8, 40))
                .hasMessageContaining("context length 40");
        assertThatThrownBy(() -> BatchPlan.of(List.of(), 16, 10, 8, 40)).hasMessageContaining("empty");
    }

    @Test
    void shouldRefuseAGgufFileBeforeTouchingAnyDevice() throws Exception {
        try (LoadedModel gguf = LoadedModel.open(Fixtures.root().resolve("models/stories260K.gguf"))) {
            assertThatThrownBy(() -> GpuLlamaModel.load(null, gguf)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("GGUF").hasMessageContaining("--backend cpu");
        }
    }

    @Test
    void shouldPadDecodeTablesToAPowerOfTwoSoThatGrowingSequencesKeepTheirGraphShape() {
        // C reaches its third block at position 32: width 3 padded to 4, the padding 0 (never read by the kernel)
        BatchPlan p = BatchPlan.of(List.of(BatchSegment.of(C, 32, 1), BatchSegment.of(B, 5, 2)), 16, 10, 8, 2048);
        assertThat(p.decodeTableWidth()).isEqualTo(4);
        assertThat(part(p, Part.DECODE_TABLES)).containsExactly(7, 1, 3, 0, 2, 0, 0, 0);
        assertThat(DecodeGraphs.replayable(p)).isTrue();

        BatchPlan later = BatchPlan.of(List.of(BatchSegment.of(C, 47, 1), BatchSegment.of(B, 15, 2)), 16, 10, 8, 2048);
        assertThat(DecodeGraphs.shape(later)).as("same rows and padded width: the same graph").isEqualTo(DecodeGraphs.shape(p));
        BatchPlan fewer = BatchPlan.of(List.of(BatchSegment.of(C, 47, 1)), 16, 10, 8, 2048);
        assertThat(DecodeGraphs.shape(fewer)).isNotEqualTo(DecodeGraphs.shape(p));

        assertThat(List.of(1, 2, 3, 4, 5, 8, 9, 17).stream().map(BatchPlan::powerOfTwoAtLeast))
                .containsExactly(1, 2, 4, 4, 8, 8, 16, 32);
    }

    @Test
    void shouldReplayOnlyStepsWhoseEveryRowIsADecodeTokenThatWantsLogits() {
        assertThat(DecodeGraphs.replayable(BatchPlan.of(List.of(BatchSegment.of(A, 3, 1, 2)), 16, 10, 8, 2048)))
                .as("a prefill").isFalse();
        assertThat(DecodeGraphs.replayable(BatchPlan.of(List.of(BatchSegment.of(A, 3, 1),
                new BatchSegment(B, 3, new int[] {8}, BatchSegment.Logits.NONE)), 16, 10, 8, 2048)))
                .as("a row without logits (its rows would be gathered)").isFalse();
    }
}
