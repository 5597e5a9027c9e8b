package io.quantserve.engine.gpu.model;

import static io.quantserve.engine.gpu.model.LinearDispatch.Kernel.AWQ_BATCHED_GEMV;
import static io.quantserve.engine.gpu.model.LinearDispatch.Kernel.AWQ_DEQUANT_GEMM;
import static io.quantserve.engine.gpu.model.LinearDispatch.Kernel.AWQ_GEMM;
import static io.quantserve.engine.gpu.model.LinearDispatch.Kernel.AWQ_GEMV;
import static io.quantserve.engine.gpu.model.LinearDispatch.Kernel.DENSE_SIMPLE;
import static io.quantserve.engine.gpu.model.LinearDispatch.Kernel.MMA_GEMM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.gpu.AwqMmaPlan;
import io.quantserve.engine.gpu.AwqPlan;
import io.quantserve.engine.gpu.AwqTokensPlan;
import io.quantserve.engine.gpu.GemmPlan;
import io.quantserve.engine.gpu.GpuMatmul;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LinearDispatchTest {
    private static final int H100_SMS = 132;

    @ParameterizedTest(name = "M={0} N={1} K={2} -> {3}")
    @CsvSource({"1, 4096, 4096, MMA_GEMM", "7, 32000, 4096, MMA_GEMM", "512, 11008, 4096, MMA_GEMM",
        "1, 64, 8, MMA_GEMM", "3, 64, 60, DENSE_SIMPLE", "1, 40, 7, DENSE_SIMPLE", "1, 130, 4100, DENSE_SIMPLE",
        "65536, 65536, 64, DENSE_SIMPLE"})
    void shouldRunFloatLayersOnTheMmaGemmOnlyWhereKIsAMultipleOfEightAndOutputsFitAnInt(int m, int n, int k,
            LinearDispatch.Kernel expected) {
        assertThat(LinearDispatch.dense(m, n, k)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "M={0} N={1} K={2} f32={3} -> {4}")
    @CsvSource({"1, 4096, 4096, false, AWQ_GEMV", "2, 4096, 4096, false, AWQ_GEMM", "64, 11008, 4096, false, AWQ_GEMM",
        "255, 4096, 11008, false, AWQ_GEMM", "256, 4096, 11008, false, AWQ_DEQUANT_GEMM",
        "512, 4096, 11008, false, AWQ_DEQUANT_GEMM", "1, 32000, 4096, true, AWQ_GEMV", "5, 32000, 4096, true, AWQ_GEMV",
        "512, 32000, 4096, true, AWQ_GEMV", "5, 64, 100, false, AWQ_GEMV", "512, 64, 100, false, AWQ_GEMV"})
    void shouldRunAwqLayersOnTheGemvForOneRowOrFp32OutputTheGemmForSeveralAndDequantizeForMany(int m, int n, int k,
            boolean f32Out, LinearDispatch.Kernel expected) {
        assertThat(LinearDispatch.awq(m, n, k, 128, f32Out)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "M={0} rows={1} -> {2}")
    @CsvSource({"512, 0, AWQ_GEMM", "65536, 0, AWQ_GEMM", "16, 16, AWQ_DEQUANT_GEMM", "15, 16, AWQ_GEMM",
        "2, 2, AWQ_DEQUANT_GEMM", "1, 1, AWQ_GEMV"})
    void shouldDequantizeFromTheConfiguredRowCountAndNeverAtZero(int m, int dequantRows, LinearDispatch.Kernel expected) {
        assertThat(LinearDispatch.awq(m, 4096, 4096, 128, false, LinearDispatch.AwqDecode.GEMV_GEMM, dequantRows))
                .isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void shouldReadTheDequantizationRowCountFromItsProperty() {
        assertThat(LinearDispatch.dequantRowsConfigured()).isEqualTo(256);
        try {
            System.setProperty(LinearDispatch.AWQ_DEQUANT_ROWS_PROPERTY, " 0 ");
            assertThat(LinearDispatch.dequantRowsConfigured()).isZero();
            for (String bad : new String[] {"-1", "many", ""}) {
                System.setProperty(LinearDispatch.AWQ_DEQUANT_ROWS_PROPERTY, bad);
                assertThatThrownBy(LinearDispatch::dequantRowsConfigured)
                        .hasMessageContaining("awq-dequant-rows=" + bad.strip()).hasMessageContaining("0: never");
            }
        } finally {
            System.clearProperty(LinearDispatch.AWQ_DEQUANT_ROWS_PROPERTY);
        }
    }

    @ParameterizedTest(name = "M={0} N={1} K={2} f32={3} -> {4}")
    @CsvSource({"1, 4096, 4096, false, AWQ_GEMV", "2, 4096, 4096, false, AWQ_BATCHED_GEMV",
        "32, 11008, 4096, false, AWQ_BATCHED_GEMV", "33, 11008, 4096, false, AWQ_GEMM", "8, 32000, 4096, true, AWQ_BATCHED_GEMV",
        "33, 32000, 4096, true, AWQ_GEMV", "5, 64, 100, false, AWQ_BATCHED_GEMV"})
    void shouldRunTwoToThirtyTwoAwqRowsOnTheBatchedGemvWhenAskedFor(int m, int n, int k, boolean f32Out,
            LinearDispatch.Kernel expected) {
        assertThat(LinearDispatch.awq(m, n, k, 128, f32Out, LinearDispatch.AwqDecode.BATCHED_GEMV, 256))
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "M={0} N={1} K={2} group={3} f32={4} -> {5}")
    @CsvSource({"1, 4096, 4096, 128, false, AWQ_MMA", "8, 4096, 11008, 128, false, AWQ_MMA",
        "32, 32000, 4096, 128, true, AWQ_MMA", "33, 4096, 4096, 128, false, AWQ_GEMM", "1, 4096, 4104, 8, false, AWQ_GEMV",
        "4, 4104, 4096, 128, false, AWQ_GEMM", "4, 4096, 4104, -1, false, AWQ_GEMM", "1, 40, 96, 32, false, AWQ_GEMV"})
    void shouldRunUpToThirtyTwoAwqRowsOnTheTensorCoresWhereTheShapeAllowsWhenAskedFor(int m, int n, int k, int groupSize,
            boolean f32Out, LinearDispatch.Kernel expected) {
        assertThat(LinearDispatch.awq(m, n, k, groupSize, f32Out, LinearDispatch.AwqDecode.MMA, 256))
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"gemv-gemm, GEMV_GEMM", "Batched-GEMV, BATCHED_GEMV", " mma , MMA"})
    void shouldReadTheDecodeChoiceFromItsProperty(String value, LinearDispatch.AwqDecode expected) {
        System.setProperty(LinearDispatch.AWQ_DECODE_PROPERTY, value);
        try {
            assertThat(LinearDispatch.AwqDecode.configured()).isEqualTo(expected);
            System.setProperty(LinearDispatch.AWQ_DECODE_PROPERTY, "marlin");
            assertThatThrownBy(LinearDispatch.AwqDecode::configured).hasMessageContaining("awq-decode=marlin")
                    .hasMessageContaining("batched-gemv");
        } finally {
            System.clearProperty(LinearDispatch.AWQ_DECODE_PROPERTY);
        }
        assertThat(LinearDispatch.AwqDecode.configured()).isEqualTo(LinearDispatch.AwqDecode.GEMV_GEMM);
    }

    @ParameterizedTest(name = "N={0} K={1} maxTokens={2} {3}")
    @CsvSource({"4096, 4096, 8, BATCHED_GEMV", "11008, 4096, 64, BATCHED_GEMV", "32000, 4096, 32, BATCHED_GEMV",
        "264, 320, 100, BATCHED_GEMV", "4096, 4096, 8, MMA", "11008, 4096, 64, MMA", "32000, 4096, 32, MMA"})
    void shouldSizeTheAwqWorkspaceForTheDecodeKernelAtEveryTokenCountItServes(int n, int k, int maxTokens,
            LinearDispatch.AwqDecode decode) {
        long bytes = LinearDispatch.awqWorkspaceBytes(n, k, 128, maxTokens, H100_SMS, decode, 0);
        long largest = AwqPlan.of(k, n, H100_SMS).workspaceBytes(n);
        for (int m = 1; m <= maxTokens; m++) {
            long need = m > AwqTokensPlan.MAX_TOKENS ? GemmPlan.awq(m, n, k, H100_SMS).workspaceBytes(m, n)
                    : decode == LinearDispatch.AwqDecode.MMA ? AwqMmaPlan.of(m, k, n, 128, H100_SMS).workspaceBytes(m, n)
                    : m >= 2 ? AwqTokensPlan.of(m, k, n, H100_SMS).workspaceBytes(m, n) : 0;
            largest = Math.max(largest, need);
        }
        assertThat(bytes).isEqualTo(largest);
    }

    @ParameterizedTest(name = "N={0} K={1} maxTokens={2}")
    @CsvSource({"4096, 4096, 1", "4096, 4096, 256", "11008, 4096, 64", "4096, 11008, 2048", "32000, 4096, 16",
        "136, 520, 300"})
    void shouldSizeTheDenseWorkspaceForTheLargestSplitAtAnyTokenCount(int n, int k, int maxTokens) {
        long bytes = LinearDispatch.denseWorkspaceBytes(n, k, maxTokens, H100_SMS);
        long largest = 0;
        for (int m = 1; m <= maxTokens; m++) {
            long need = GemmPlan.dense(m, n, k, H100_SMS).workspaceBytes(m, n);
            assertThat(bytes).as("m=%d", m).isGreaterThanOrEqualTo(need);
            largest = Math.max(largest, need);
        }
        assertThat(bytes).isEqualTo(largest);
    }

    @ParameterizedTest(name = "N={0} K={1} maxTokens={2}")
    @CsvSource({"4096, 4096, 1", "4096, 4096, 32", "4096, 4096, 255", "4096, 4096, 256", "11008, 4096, 64",
        "4096, 11008, 2048", "264, 320, 100", "264, 320, 300"})
    void shouldSizeTheAwqWorkspaceForTheGemvEveryGemmTokenCountAndTheDequantizedLayer(int n, int k, int maxTokens) {
        long gemv = AwqPlan.of(k, n, H100_SMS).workspaceBytes(n);
        assertThat(gemv).isPositive();
        assertThat(LinearDispatch.awqWorkspaceBytes(n, k, 128, maxTokens, H100_SMS))
                .isEqualTo(Math.max(gemv, untunedBytes(n, k, maxTokens)));
        if (maxTokens >= 256) {
            assertThat(untunedBytes(n, k, maxTokens)).as("the dequantized fp16 weights")
                    .isGreaterThanOrEqualTo(2L * n * k);
        } else {
            assertThat(untunedBytes(n, k, maxTokens)).as("no dequantized weights").isLessThan(2L * n * k);
        }
    }

    @ParameterizedTest(name = "N={0} K={1} maxRows={2}")
    @CsvSource({"4096, 4096, 1", "4096, 4096, 32", "4096, 4096, 33", "11008, 4096, 512", "264, 320, 100"})
    void shouldSizeTheTunersWorkspaceForEveryCandidateAtEveryRowCount(int n, int k, int maxRows) {
        long largest = Math.max(AwqPlan.of(k, n, H100_SMS).workspaceBytes(n), untunedBytes(n, k, maxRows));
        for (int m = 1; m <= maxRows; m++) {
            if (m <= AwqTokensPlan.MAX_TOKENS) {
                largest = Math.max(largest, AwqTokensPlan.of(m, k, n, H100_SMS).workspaceBytes(m, n));
                if (AwqMmaPlan.supports(k, n, 128)) {
                    largest = Math.max(largest, AwqMmaPlan.of(m, k, n, 128, H100_SMS).workspaceBytes(m, n));
                }
            } else {
                largest = Math.max(largest, GpuMatmul.awqDequantGemmWorkspaceBytes(m, n, k, H100_SMS));
            }
        }
        long bytes = LinearDispatch.awqCandidatesWorkspaceBytes(n, k, 128, maxRows, H100_SMS);
        assertThat(bytes).isEqualTo(largest);
        assertThat(bytes >= 2L * n * k).as("the dequantized layer from 33 rows").isEqualTo(maxRows > 32);
    }

    /** The untuned rule's GEMM at 2..255 rows, the dequantized layer from 256. */
    private static long untunedBytes(int n, int k, int maxTokens) {
        long largest = 0;
        for (int m = 2; m <= maxTokens; m++) {
            largest = Math.max(largest, m >= 256 ? GpuMatmul.awqDequantGemmWorkspaceBytes(m, n, k, H100_SMS)
                    : GemmPlan.awq(m, n, k, H100_SMS).workspaceBytes(m, n));
        }
        return largest;
    }

    @ParameterizedTest(name = "M={0} N={1} K={2} group={3}")
    @CsvSource(delimiter = '|', value = {
        "1 | 4096 | 4096 | 128 | gemv-registers, gemv-prefetch, gemv-ring, gemv-ring1, batched-gemv, mma",
        "2 | 4096 | 4096 | 128 | gemv-registers, gemv-prefetch, gemv-ring, gemv-ring1, gemm, batched-gemv, mma",
        "4 | 11008 | 4096 | 128 | gemv-registers, gemv-prefetch, gemv-ring, gemv-ring1, gemm, batched-gemv, mma",
        "5 | 4096 | 11008 | 128 | gemm, batched-gemv, mma",
        "32 | 4096 | 4096 | 128 | gemm, batched-gemv, mma",
        "8 | 40 | 96 | 32 | gemm, batched-gemv",
        "8 | 64 | 100 | 100 | batched-gemv",
        "1 | 40 | 96 | 32 | gemv-registers, gemv-prefetch, gemv-ring, gemv-ring1, batched-gemv",
        "33 | 4096 | 4096 | 128 | gemm, dequant-gemm",
        "512 | 11008 | 4096 | 128 | gemm, dequant-gemm",
        "100000 | 4096 | 11008 | 128 | gemm, dequant-gemm"})
    void shouldOfferTheTunerEveryKernelThatTakesTheShape(int m, int n, int k, int groupSize, String expected) {
        assertThat(LinearDispatch.awqCandidates(m, n, k, groupSize)).map(LinearDispatch.AwqChoice::toString)
                .containsExactly(expected.split(", "));
    }

    @org.junit.jupiter.api.Test
    void shouldOfferNoPrefillCandidateWhereOnlyTheGemvTakesTheShapeAndRefuseNoRows() {
        assertThat(LinearDispatch.awqCandidates(64, 64, 100, 100)).isEmpty(); // K % 8 != 0
        assertThat(LinearDispatch.awqCandidates(600_000, 4096, 4096, 128)).isEmpty(); // m x N past int range
        assertThatThrownBy(() -> LinearDispatch.awqCandidates(0, 4096, 4096, 128)).hasMessageContaining("0 rows");
    }

    @org.junit.jupiter.api.Test
    void shouldHoldSixteenSlicesOfOneTokenFor4096By4096() {
        // GemmPlan splits one token's 32 column tiles 16 ways on 132 multiprocessors: 16 x 4096 fp32 partials
        assertThat(LinearDispatch.denseWorkspaceBytes(4096, 4096, 1, H100_SMS)).isEqualTo(4L * 16 * 4096);
    }

    @ParameterizedTest(name = "K={0}")
    @CsvSource({"60", "7"})
    void shouldNeedNoDenseWorkspaceWhenOnlyTheSimpleKernelRuns(int k) {
        assertThat(LinearDispatch.denseWorkspaceBytes(4096, k, 64, H100_SMS)).isZero();
    }
}
