package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelKernelsTest {

    @Test
    void prefillTilesFitTheDefaultSharedMemoryUpToTheLargestHeadDim() {
        LaunchShape shape = ModelKernels.prefillShape(100, 32, ModelKernels.MAX_HEAD_DIM, ActivationType.F16,
                ModelKernels.PrefillKernel.SIMT);
        assertThat(shape.sharedBytes()).isEqualTo((2 * 32 * 258 + 16 * 256) * 2).isLessThanOrEqualTo(48 * 1024);
        assertThat(shape.gridX()).isEqualTo(7);
        assertThat(shape.gridY()).isEqualTo(32);
        // tensor cores: 64 rows a block; 64 query rows and two buffers of 2 x 32 key rows of head_dim + 8 values,
        // within what an A100 block may ask for (163 KB) even at the largest head_dim it takes
        LaunchShape mma = ModelKernels.prefillShape(100, 32, 128, ActivationType.BF16, ModelKernels.PrefillKernel.MMA);
        assertThat(mma.sharedBytes()).isEqualTo(192 * 136 * 2).isLessThanOrEqualTo(163 * 1024);
        assertThat(mma.gridX()).isEqualTo(2);
        assertThat(mma.blockX()).isEqualTo(128);
    }

    @Test
    void tensorCorePrefillTakesHeadDimsOfSixteensUpTo128AndIsChosenByAProperty() {
        ModelKernels.PrefillKernel mma = ModelKernels.PrefillKernel.MMA;
        assertThat(mma.supports(new ModelKernels.Attention(32, 8, 128, 16, 0, 1f))).isTrue();
        assertThat(mma.supports(new ModelKernels.Attention(8, 8, 64, 16, 0, 1f))).isTrue();
        assertThat(mma.supports(new ModelKernels.Attention(8, 8, 72, 16, 0, 1f))).isFalse();
        assertThat(mma.supports(new ModelKernels.Attention(4, 1, 256, 16, 0, 1f))).isFalse();
        assertThat(ModelKernels.PrefillKernel.SIMT.supports(new ModelKernels.Attention(5, 5, 10, 16, 0, 1f))).isTrue();
        String key = ModelKernels.PrefillKernel.PREFILL_PROPERTY;
        withPropertyRestored(key, () -> {
            System.clearProperty(key);
            assertThat(ModelKernels.PrefillKernel.configured()).isEqualTo(ModelKernels.PrefillKernel.SIMT);
            System.setProperty(key, " MMA ");
            assertThat(ModelKernels.PrefillKernel.configured()).isEqualTo(mma);
            System.setProperty(key, "flash");
            assertThatThrownBy(ModelKernels.PrefillKernel::configured).hasMessageContaining(key + "=flash")
                    .hasMessageContaining("[simt, mma]");
        });
    }

    /** Runs {@code body}, then sets system property {@code key} back to what it was. */
    private static void withPropertyRestored(String key, Runnable body) {
        String before = System.getProperty(key);
        try {
            body.run();
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }

    @Test
    void decodeTakesOneBlockPerHeadsItemAndSplit() {
        LaunchShape shape = ModelKernels.decodeShape(5, 32, 3);
        assertThat(shape.gridX()).isEqualTo(32);
        assertThat(shape.gridY()).isEqualTo(5);
        assertThat(shape.gridZ()).isEqualTo(3);
        assertThat(shape.blockX()).isEqualTo(128);
        assertThat(ModelKernels.mergeShape(5, 32, 128).blockX()).isEqualTo(128);
        assertThat(ModelKernels.mergeShape(5, 32, 72).blockX()).isEqualTo(96);
    }

    @Test
    void decodeSplitsOnlyWhenFewRowsLeaveMultiprocessorsIdleOverLongContexts() {
        // a 7B decode of one sequence at 4096 keys on 132 multiprocessors: 32 blocks -> 8 splits of 512 keys
        ModelKernels.DecodeSplit one = ModelKernels.DecodeSplit.plan(1, 32, 4096, 132);
        assertThat(one.splits()).isEqualTo(8);
        assertThat(one.splitKeys()).isEqualTo(512);
        assertThat((long) one.splits() * one.splitKeys()).isGreaterThanOrEqualTo(4096);
        // enough rows to fill the device, or keys too few to share: no split
        assertThat(ModelKernels.DecodeSplit.plan(8, 32, 4096, 132)).isEqualTo(ModelKernels.DecodeSplit.NONE);
        assertThat(ModelKernels.DecodeSplit.plan(1, 32, 300, 132)).isEqualTo(ModelKernels.DecodeSplit.NONE);
        // a step without decode rows (prefill only)
        assertThat(ModelKernels.DecodeSplit.plan(0, 32, 4096, 132)).isEqualTo(ModelKernels.DecodeSplit.NONE);
        // a few keys over the minimum: 2 splits of 256 at most, keys per split a multiple of 128
        ModelKernels.DecodeSplit two = ModelKernels.DecodeSplit.plan(1, 32, 520, 132);
        assertThat(two.splits()).isEqualTo(2);
        assertThat(two.splitKeys()).isEqualTo(384);
        // every plan's partial states fit the bound the batch state allocates
        for (int items = 1; items < 10; items++) {
            for (int heads : new int[] {1, 4, 32, 40}) {
                for (long keys : new long[] {16, 1000, 4096, 131072}) {
                    ModelKernels.DecodeSplit s = ModelKernels.DecodeSplit.plan(items, heads, keys, 132);
                    assertThat((long) s.splits() * s.splitKeys()).isGreaterThanOrEqualTo(Math.min(keys, Integer.MAX_VALUE));
                    assertThat(s.splits()).isLessThanOrEqualTo(32);
                    assertThat(s.partialBytes(items, heads, 128)).isLessThanOrEqualTo(
                            ModelKernels.DecodeSplit.maxPartialBytes(132, 128, 1));
                    // the same query heads attended 8 a block: fewer blocks, more splits, each head a state
                    ModelKernels.DecodeSplit grouped = ModelKernels.DecodeSplit.plan(items, Math.max(1, heads / 8),
                            keys, 132);
                    assertThat(grouped.partialBytes(items, heads, 128)).isLessThanOrEqualTo(
                            ModelKernels.DecodeSplit.maxPartialBytes(132, 128, 8));
                }
            }
        }
    }

    @Test
    void groupedDecodeAttendsTheMostHeadsOfAGroupItsKernelsTake() {
        ModelKernels.DecodeKernel grouped = ModelKernels.DecodeKernel.GROUPED;
        // Llama-3-8B (32/8), 70B (64/8), Qwen2.5-1.5B (12/2), Qwen2-7B (28/4), Llama-2-7B (32/32), MQA (8/1)
        assertThat(grouped.headsPerBlock(new ModelKernels.Attention(32, 8, 128, 16, 0, 0.1f))).isEqualTo(4);
        assertThat(grouped.headsPerBlock(new ModelKernels.Attention(64, 8, 128, 16, 0, 0.1f))).isEqualTo(8);
        assertThat(grouped.headsPerBlock(new ModelKernels.Attention(12, 2, 128, 16, 0, 0.1f))).isEqualTo(2);
        assertThat(grouped.headsPerBlock(new ModelKernels.Attention(28, 4, 128, 16, 0, 0.1f))).isEqualTo(1);
        assertThat(grouped.headsPerBlock(new ModelKernels.Attention(32, 32, 128, 16, 0, 0.1f))).isEqualTo(1);
        assertThat(grouped.headsPerBlock(new ModelKernels.Attention(16, 1, 64, 16, 0, 0.1f))).isEqualTo(8);
        // past head_dim 128 (Gemma's 256) one head a block; per-head always one
        assertThat(grouped.headsPerBlock(new ModelKernels.Attention(8, 1, 256, 16, 0, 0.1f))).isEqualTo(1);
        assertThat(ModelKernels.DecodeKernel.PER_HEAD.headsPerBlock(new ModelKernels.Attention(32, 8, 128, 16, 0,
                0.1f))).isEqualTo(1);
        // each count has its kernel in attention.cu (GpuResourcesTest checks the specs against the PTX)
        assertThat(ModelKernels.decodeSpec(ActivationType.F16, 1).name()).isEqualTo("paged_attention_decode_f16");
        assertThat(ModelKernels.decodeSpec(ActivationType.BF16, 4).name()).isEqualTo("paged_attention_decode_h4_bf16");
        assertThat(ModelKernels.specs()).extracting(KernelSpec::name).contains("paged_attention_decode_h2_f16",
                "paged_attention_decode_h8_bf16");
    }

    @Test
    void decodeKernelIsChosenByItsProperty() {
        String key = ModelKernels.DecodeKernel.DECODE_PROPERTY;
        withPropertyRestored(key, () -> {
            System.clearProperty(key);
            assertThat(ModelKernels.DecodeKernel.configured()).isEqualTo(ModelKernels.DecodeKernel.GROUPED);
            System.setProperty(key, "per-head");
            assertThat(ModelKernels.DecodeKernel.configured()).isEqualTo(ModelKernels.DecodeKernel.PER_HEAD);
            System.setProperty(key, "paged");
            assertThatThrownBy(ModelKernels.DecodeKernel::configured).hasMessageContaining(key + "=paged")
                    .hasMessageContaining("[grouped, per-head]");
        });
    }

    @Test
    void denseCoversEveryColumnAndRow() {
        LaunchShape shape = ModelKernels.denseShape(17, 4097);
        assertThat(shape.gridX()).isEqualTo(513);
        assertThat(shape.gridY()).isEqualTo(3);
    }

    @Test
    void attentionGeometryTheKernelsCannotRunIsRefused() {
        assertThatThrownBy(() -> new ModelKernels.Attention(8, 3, 64, 16, 0, 0.125f)).hasMessageContaining("multiple");
        assertThatThrownBy(() -> new ModelKernels.Attention(8, 8, 258, 16, 0, 0.1f)).hasMessageContaining("256");
        assertThatThrownBy(() -> new ModelKernels.Attention(8, 8, 7, 16, 0, 0.1f)).hasMessageContaining("even");
    }
}
