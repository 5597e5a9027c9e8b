package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.gpu.AwqDeviceWeights;
import io.quantserve.engine.gpu.AwqGemvKernel;
import io.quantserve.engine.gpu.AwqMmaPlan;
import io.quantserve.engine.gpu.model.AwqKernelTable.Bucket;
import io.quantserve.engine.gpu.model.AwqKernelTable.Shape;
import io.quantserve.engine.gpu.model.LinearDispatch.AwqChoice;
import io.quantserve.engine.gpu.model.LinearDispatch.Kernel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which kernel a tuned table answers for m rows, and what it falls back on; the tuner's output check. */
class AwqKernelTableTest {
    private static final AwqChoice RING = new AwqChoice(Kernel.AWQ_GEMV, AwqGemvKernel.RING);
    private static final AwqChoice MMA = new AwqChoice(Kernel.AWQ_MMA);
    private static final AwqChoice GEMM = new AwqChoice(Kernel.AWQ_GEMM);
    private static final AwqChoice BATCHED = new AwqChoice(Kernel.AWQ_BATCHED_GEMV);
    private static final AwqChoice DEQUANT = new AwqChoice(Kernel.AWQ_DEQUANT_GEMM);
    /** No buffers: the table reads a layer's shape only. */
    private static final AwqDeviceWeights TUNED = new AwqDeviceWeights(null, null, null, 4096, 4096, 128);
    private static final AwqDeviceWeights OTHER = new AwqDeviceWeights(null, null, null, 4096, 11008, 128);

    /** m=1 the ring GEMV, 2 the tensor cores, 4-16 the batched GEMV, 32-128 the W4A16 GEMM, 256-512 dequantized. */
    private static AwqKernelTable table() {
        List<Bucket> buckets = new ArrayList<>();
        for (AwqChoice c : List.of(RING, MMA, BATCHED, BATCHED, BATCHED, GEMM, GEMM, GEMM, DEQUANT, DEQUANT)) {
            Map<AwqChoice, Double> micros = new LinkedHashMap<>();
            micros.put(c, 10.0);
            micros.put(new AwqChoice(Kernel.AWQ_GEMV), 12.5);
            buckets.add(new Bucket(c, micros));
        }
        return new AwqKernelTable(Map.of(Shape.of(TUNED), buckets));
    }

    @ParameterizedTest(name = "m={0} -> bucket {1}")
    @CsvSource({"1, 0", "2, 1", "3, 2", "4, 2", "5, 3", "8, 3", "9, 4", "17, 5", "32, 5", "33, 6", "64, 6", "65, 7",
        "200, 8", "300, 9", "512, 9", "513, 9", "100000, 9"})
    void shouldRunMRowsOnTheSmallestBucketAtOrAboveIt(int m, int bucket) {
        assertThat(AwqKernelTable.bucket(m)).isEqualTo(bucket);
    }

    @Test
    void shouldRefuseNoRows() {
        assertThatThrownBy(() -> AwqKernelTable.bucket(0)).hasMessageContaining("0 rows");
    }

    @Test
    void shouldAnswerTheTunedChoiceForItsShapeAndTheConfiguredOneElsewhere() {
        AwqKernelTable t = table();
        assertThat(t.choose(TUNED, 1, false)).isEqualTo(RING);
        assertThat(t.choose(TUNED, 2, false)).isEqualTo(MMA);
        assertThat(t.choose(TUNED, 3, false)).isEqualTo(BATCHED);
        assertThat(t.choose(TUNED, 20, false)).isEqualTo(GEMM);
        assertThat(t.choose(TUNED, 100, false)).isEqualTo(GEMM);
        assertThat(t.choose(TUNED, 129, false)).isEqualTo(DEQUANT);
        assertThat(t.choose(TUNED, 4096, false)).isEqualTo(DEQUANT); // past the largest bucket: its choice
        // another shape, fp32 outputs the GEMMs cannot write, more rows than int range holds outputs of: as configured
        assertThat(t.choose(OTHER, 1, false)).isEqualTo(LinearDispatch.awqConfigured(1, 11008, 4096, 128, false));
        assertThat(t.choose(TUNED, 32, true)).isEqualTo(new AwqChoice(Kernel.AWQ_GEMV));
        assertThat(t.choose(TUNED, 300, true)).isEqualTo(new AwqChoice(Kernel.AWQ_GEMV));
        assertThat(t.choose(TUNED, 600_000, false)).isEqualTo(new AwqChoice(Kernel.AWQ_GEMV));
        assertThat(t.choose(TUNED, 2, true)).isEqualTo(MMA); // it writes fp32 too
        assertThat(AwqKernelTable.CONFIGURED.choose(TUNED, 1, false)).isEqualTo(new AwqChoice(Kernel.AWQ_GEMV));
    }

    @Test
    void shouldSizeTheWorkspaceForTheTunedChoicesAndTheUntunedRule() {
        int sms = 132;
        for (int maxTokens : new int[] {1, 2, 200, 300}) {
            assertThat(AwqKernelTable.CONFIGURED.workspaceBytes(TUNED, maxTokens, sms)).as("maxTokens %d", maxTokens)
                    .isEqualTo(LinearDispatch.awqWorkspaceBytes(4096, 4096, 128, maxTokens, sms));
        }
        long dequantized = 2L * 4096 * 4096;
        AwqKernelTable t = table();
        assertThat(t.workspaceBytes(TUNED, 2, sms)).isEqualTo(Math.max(LinearDispatch.awqWorkspaceBytes(4096, 4096,
                128, 2, sms), AwqMmaPlan.of(2, 4096, 4096, 128, sms).workspaceBytes(2, 4096)));
        assertThat(t.workspaceBytes(TUNED, 128, sms)).isLessThan(dequantized);
        // the table dequantizes from 129 rows (256's bucket), the untuned rule from 256
        assertThat(t.workspaceBytes(TUNED, 129, sms)).isGreaterThanOrEqualTo(dequantized);
        assertThat(AwqKernelTable.CONFIGURED.workspaceBytes(TUNED, 200, sms)).isLessThan(dequantized);
        assertThat(t.workspaceBytes(OTHER, 200, sms)).isEqualTo(AwqKernelTable.CONFIGURED.workspaceBytes(OTHER, 200,
                sms));
    }

    @Test
    void shouldDescribeEachShapeOnOneLine() {
        assertThat(table().describe()).containsExactly("4096->4096 group 128: m=1 gemv-ring 10.0 µs (gemv-registers"
                + " 12.5); m=2 mma 10.0 µs (gemv-registers 12.5); m=4 batched-gemv 10.0 µs (gemv-registers 12.5); m=8"
                + " batched-gemv 10.0 µs (gemv-registers 12.5); m=16 batched-gemv 10.0 µs (gemv-registers 12.5); m=32"
                + " gemm 10.0 µs (gemv-registers 12.5); m=64 gemm 10.0 µs (gemv-registers 12.5); m=128 gemm 10.0 µs"
                + " (gemv-registers 12.5); m=256 dequant-gemm 10.0 µs (gemv-registers 12.5); m=512 dequant-gemm"
                + " 10.0 µs (gemv-registers 12.5)");
        assertThat(AwqKernelTable.CONFIGURED.describe()).isEmpty();
        List<Bucket> untimed = new ArrayList<>();
        for (int i = 0; i < AwqKernelTable.BUCKETS.length; i++) {
            untimed.add(new Bucket(new AwqChoice(Kernel.AWQ_GEMV), Map.of()));
        }
        assertThat(new AwqKernelTable(Map.of(Shape.of(TUNED), untimed)).describe().getFirst())
                .startsWith("4096->4096 group 128: m=1 gemv-registers untimed; m=2 gemv-registers untimed;");
    }

    @Test
    void shouldRefuseATableMissingABucket() {
        assertThatThrownBy(() -> new AwqKernelTable(Map.of(Shape.of(TUNED), List.of(new Bucket(RING, Map.of())))))
                .hasMessageContaining("1 buckets");
    }

    @Test
    void shouldChooseTheFirstCandidateWithinNoiseOfTheFastest() {
        Map<AwqChoice, Double> micros = new LinkedHashMap<>();
        micros.put(GEMM, 10.25); // the reference, first
        micros.put(BATCHED, 10.0);
        micros.put(MMA, 9.0);
        assertThat(AwqKernelTuner.choice(micros, GEMM)).isEqualTo(MMA); // 10% faster
        micros.put(MMA, 9.97);
        assertThat(AwqKernelTuner.choice(micros, GEMM)).isEqualTo(GEMM); // within 3% of 9.97
        micros.put(GEMM, 10.5);
        assertThat(AwqKernelTuner.choice(micros, GEMM)).isEqualTo(BATCHED);
        assertThat(AwqKernelTuner.choice(Map.of(), RING)).isEqualTo(RING);
    }

    @Test
    void shouldFindAnOutputOffByMoreThanTheToleranceOfTheLargestOrNotFinite() {
        float[] expected = {1f, -2f, 0.5f};
        assertThat(AwqKernelTuner.mismatch(expected, new float[] {1.01f, -2.015f, 0.49f})).isNull();
        assertThat(AwqKernelTuner.mismatch(expected, new float[] {1f, -2f, 0.45f})).startsWith("output 2 is 0.45");
        assertThat(AwqKernelTuner.mismatch(expected, new float[] {Float.NaN, -2f, 0.5f})).startsWith("output 0 is NaN");
    }

    @Test
    void shouldTuneUnlessSwitchedOffOrAKernelIsNamed() {
        List<String> names = List.of(AwqKernelTuner.PROPERTY, AwqGemvKernel.PROPERTY,
                LinearDispatch.AWQ_DECODE_PROPERTY);
        Map<String, String> before = new HashMap<>();
        names.forEach(n -> before.put(n, System.getProperty(n)));
        try {
            System.clearProperty(AwqKernelTuner.PROPERTY);
            assertThat(AwqKernelTuner.enabled()).isTrue();
            System.setProperty(AwqKernelTuner.PROPERTY, " false ");
            assertThat(AwqKernelTuner.enabled()).isFalse();
            System.clearProperty(AwqKernelTuner.PROPERTY);
            System.setProperty(AwqGemvKernel.PROPERTY, "ring");
            assertThat(AwqKernelTuner.enabled()).isFalse();
            System.clearProperty(AwqGemvKernel.PROPERTY);
            System.setProperty(LinearDispatch.AWQ_DECODE_PROPERTY, "mma");
            assertThat(AwqKernelTuner.enabled()).isFalse();
        } finally {
            names.forEach(n -> {
                if (before.get(n) == null) {
                    System.clearProperty(n);
                } else {
                    System.setProperty(n, before.get(n));
                }
            });
        }
    }
}
