package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GemmPlanTest {
    private static final int H100_SMS = 132;

    @Test
    void shouldSplitKForOneTokenSoThatEveryMultiprocessorHasBlocks() {
        // 32 column tiles alone would leave 100 of 132 multiprocessors idle
        GemmPlan p = GemmPlan.dense(1, 4096, 4096, H100_SMS);
        assertThat(p.blockM()).isEqualTo(32);
        assertThat(p.splits()).isEqualTo(16);
        assertThat(p.kPerSplit()).isEqualTo(256);
        assertThat(p.shape()).isEqualTo(new LaunchShape(32, 1, 16, 128, 1, 1, 3 * (32 + 128) * 40 * 2));
        assertThat(p.workspaceBytes(1, 4096)).isEqualTo(4L * 16 * 4096);
    }

    @Test
    void shouldNotSplitWhenPartialSumsWouldCostMoreThanTheyGain() {
        GemmPlan p = GemmPlan.dense(512, 4096, 4096, H100_SMS);
        assertThat(p.blockM()).isEqualTo(128);
        assertThat(p.threads()).isEqualTo(256);
        assertThat(p.splits()).isEqualTo(1);
        assertThat(p.workspaceBytes(512, 4096)).isZero();
        // 4 stages of a [128][40] and w [128][40] tiles: 80 KB, over the 48 KB a launch gets without asking
        assertThat(p.shape()).isEqualTo(new LaunchShape(32, 4, 1, 256, 1, 1, 81920));
    }

    @Test
    void shouldPickTheAwqVariantByTokenCount() {
        assertThat(List.of(1, 16, 17, 32, 33, 64, 65).stream().map(m -> GemmPlan.awq(m, 4096, 4096, H100_SMS).blockM()))
                .containsExactly(16, 16, 32, 32, 64, 64, 64);
        GemmPlan p = GemmPlan.awq(8, 4096, 4096, H100_SMS);
        // 32 tiles; 528 blocks wanted, but partials are capped at a quarter of the 8 MiB of packed weights
        assertThat(p.splits()).isEqualTo(8);
        assertThat(p.kPerSplit()).isEqualTo(512);
        assertThat(p.shape().sharedBytes()).as("static shared memory only").isZero();
        assertThat(GemmPlan.awq(130, 4096, 4096, H100_SMS).tilesM()).isEqualTo(3);
    }

    @ParameterizedTest(name = "M={0} N={1} K={2}")
    @CsvSource({"1, 40, 24", "3, 200, 1000", "17, 264, 136", "64, 1000, 4104", "130, 129, 520", "1, 11008, 4096",
        "8, 4096, 11008", "512, 11008, 4096", "1, 8, 8"})
    void shouldCoverKWithNonEmptySlicesOfWholeTiles(int m, int n, int k) {
        for (GemmPlan p : List.of(GemmPlan.dense(m, n, k, H100_SMS), GemmPlan.awq(m, n, k, H100_SMS))) {
            assertThat(p.kPerSplit() % GemmPlan.DENSE_BLOCK_K).as("slice of whole K tiles").isZero();
            assertThat((long) (p.splits() - 1) * p.kPerSplit()).as("last slice not empty").isLessThan(k);
            assertThat((long) p.splits() * p.kPerSplit()).as("slices cover K").isGreaterThanOrEqualTo(k);
            assertThat((long) p.tilesN() * GemmPlan.BLOCK_N).isGreaterThanOrEqualTo(n);
            assertThat((long) p.tilesM() * p.blockM()).isGreaterThanOrEqualTo(m);
        }
        assertThat(GemmPlan.awq(m, n, k, H100_SMS).kPerSplit() % GemmPlan.AWQ_BLOCK_K).isZero();
    }

    @Test
    void shouldNameTheKernelAndTheBadDimension() {
        KernelSpec spec = GpuMatmul.denseSpec(ActivationType.BF16, 32, false);
        DeviceBuffer big = buffer("big", 1 << 20);
        assertThatThrownBy(() -> GpuMatmul.checkGemm(spec, big, 2, big, big, 3, 40, 30))
                .hasMessage("gemm_bf16_bm32: K (input features) must be a positive multiple of 8 (rows are read in "
                        + "16-byte chunks), is 30");
        assertThatThrownBy(() -> GpuMatmul.checkGemm(spec, big, 2, big, big, 0, 40, 32))
                .hasMessageStartingWith("gemm_bf16_bm32: M (tokens) must be at least 1, is 0");
        assertThatThrownBy(() -> GpuMatmul.checkGemm(spec, big, 2, big, big, 2, -1, 32))
                .hasMessageStartingWith("gemm_bf16_bm32: N (output features)");
        assertThatThrownBy(() -> GpuMatmul.checkGemm(spec, buffer("y", 100), 2, big, big, 3, 40, 32))
                .hasMessage("gemm_bf16_bm32: out buffer 'y' 100 B is smaller than the 240 B the launch uses");
        assertThatThrownBy(() -> GpuMatmul.checkGemm(spec, big, 2, buffer("x", 64), big, 3, 40, 32))
                .hasMessageContaining("a buffer 'x' 64 B").hasMessageContaining("192 B");
        assertThatThrownBy(() -> GpuMatmul.checkGemm(spec, big, 2, big, big, 65536, 65536, 32))
                .hasMessageContaining("over 2^31 - 1 outputs");
        GpuMatmul.checkGemm(spec, big, 2, big, big, 3, 40, 32);
    }

    @Test
    void shouldSizeAnFp32OutputAtFourBytesAnElement() {
        KernelSpec spec = GpuMatmul.denseSpec(ActivationType.F16, 128, true);
        assertThat(spec.name()).isEqualTo("gemm_f16_bm128_f32");
        DeviceBuffer big = buffer("big", 1 << 20);
        assertThatThrownBy(() -> GpuMatmul.checkGemm(spec, buffer("logits", 400), 4, big, big, 3, 40, 32))
                .hasMessage("gemm_f16_bm128_f32: out buffer 'logits' 400 B is smaller than the 480 B the launch uses");
        GpuMatmul.checkGemm(spec, buffer("logits", 480), 4, big, big, 3, 40, 32);
    }

    @Test
    void shouldDeclareEveryVariantThePlansChoose() {
        List<String> names = GpuMatmul.specs().stream().map(KernelSpec::name).toList();
        for (int m : new int[] {1, 32, 33, 64, 65, 512}) {
            GemmPlan d = GemmPlan.dense(m, 4096, 4096, H100_SMS);
            GemmPlan a = GemmPlan.awq(m, 4096, 4096, H100_SMS);
            assertThat(names).contains("gemm_f16_bm" + d.blockM(), "gemm_bf16_bm" + d.blockM(), "awq_gemm_f16_bm" + a.blockM());
        }
        assertThat(names).noneMatch(n -> n.startsWith("gemm_reduce")); // split-K sums added by each tile's last block
    }

    private static DeviceBuffer buffer(String label, long bytes) {
        return new DeviceBuffer(null, null, bytes, label, false);
    }
}
