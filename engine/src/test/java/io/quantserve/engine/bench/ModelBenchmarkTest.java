package io.quantserve.engine.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.model.LlamaModel;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class ModelBenchmarkTest {

    @Test
    void shouldTimeABatchedDecodeOfSequencesWhosePromptsSpanSeveralCacheBlocks() {
        try (Arena arena = Arena.ofShared()) {
            LlamaModel model = BenchWeights.build("f32", SyntheticModels.byName("tiny"), arena);
            // 37 + 5 positions: three blocks of 16 per sequence, the last one partly used
            ModelBenchmark.Result r = ModelBenchmark.run(model, 37, 5, 3);
            assertThat(r.batch()).isEqualTo(3);
            assertThat(r.batchTokensPerSecond()).isPositive().isFinite();
            assertThat(r.prefillTokensPerSecond()).isPositive().isFinite();
        }
    }

    @Test
    void shouldSkipTheBatchedDecodeWhenNoBatchIsAskedFor() {
        try (Arena arena = Arena.ofShared()) {
            LlamaModel model = BenchWeights.build("bf16", SyntheticModels.byName("tiny"), arena);
            ModelBenchmark.Result r = ModelBenchmark.run(model, 12, 2);
            assertThat(r.batchTokensPerSecond()).isZero();
            assertThat(r.decodeTokensPerSecond()).isPositive();
        }
    }
}
