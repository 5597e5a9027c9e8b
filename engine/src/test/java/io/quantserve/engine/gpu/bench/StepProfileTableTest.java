package io.quantserve.engine.gpu.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StepProfileTableTest {
    private static final List<String> STEPS = List.of(
            "GpuStepProfile: tiny (2 layers, hidden 64), AWQ 4-bit group 32, on NVIDIA H100",
            "step prefill-4 launches 3 wall-ms 0.500",
            "launched rmsnorm_f16 awq_gemv_f16 awq_gemv_f16",
            "step decode-b1 launches 2 wall-ms 0.100",
            "launched awq_gemv_f16 rmsnorm_f16");

    /** As ncu 2025.3 writes it with --csv --print-units base: its own lines, a header, a row a metric. */
    private static final List<String> NCU = List.of(
            "==PROF== Connected to process 4242 (/tmp/quantserve-jre/bin/java)",
            "==PROF== Profiling \"rmsnorm_f16\": 0%....50%....100% - 1 pass",
            "\"ID\",\"Process ID\",\"Process Name\",\"Host Name\",\"Kernel Name\",\"Context\",\"Stream\",\"Block Size\","
                    + "\"Grid Size\",\"Device\",\"CC\",\"Section Name\",\"Metric Name\",\"Metric Unit\",\"Metric Value\"",
            row(0, "rmsnorm_f16", "nsecond", "2,048"),
            row(1, "awq_gemv_f16", "nsecond", "10,000"),
            row(2, "awq_gemv_f16", "usecond", "30"),
            row(3, "awq_gemv_f16", "nsecond", "12000"),
            row(4, "rmsnorm_f16", "nsecond", "1000"),
            "==PROF== Disconnected from process 4242");

    private static String row(int id, String kernel, String unit, String value) {
        return String.format("\"%d\",\"4242\",\"java\",\"127.0.0.1\",\"%s\",\"1\",\"7\",\"(256, 1, 1)\",\"(132, 1, 1)\","
                + "\"0\",\"9.0\",\"Command line profiler metrics\",\"gpu__time_duration.sum\",\"%s\",\"%s\"", id, kernel,
                unit, value);
    }

    @Test
    void sumsEachRowsKernelsByNameAgainstItsWallTime() {
        List<String> table = StepProfileTable.table(StepProfileTable.readSteps(STEPS), StepProfileTable.readNcu(NCU));
        assertThat(table.get(0)).isEqualTo(
                "prefill-4: 3 launches, kernels 0.042 ms, wall 0.500 ms (0.458 ms outside the kernels)");
        assertThat(table.get(2)).matches(" +awq_gemv_f16 +2 +40\\.0 +20\\.00 +95\\.1%");
        assertThat(table.get(3)).matches(" +rmsnorm_f16 +1 +2\\.0 +2\\.05 +4\\.9%");
        assertThat(table.get(4)).startsWith("decode-b1: 2 launches, kernels 0.013 ms, wall 0.100 ms");
        assertThat(table).hasSize(8);
    }

    @Test
    void refusesProfilesThatDoNotMatchTheRows() {
        List<StepProfileTable.Step> steps = StepProfileTable.readSteps(STEPS);
        List<StepProfileTable.Timed> timed = StepProfileTable.readNcu(NCU);
        assertThatThrownBy(() -> StepProfileTable.table(steps, timed.subList(0, 4)))
                .hasMessageContaining("ncu timed 4 kernels, the rows launched 5");
        List<StepProfileTable.Timed> swapped = List.of(timed.get(0), timed.get(1), timed.get(2), timed.get(4),
                timed.get(3));
        assertThatThrownBy(() -> StepProfileTable.table(steps, swapped))
                .hasMessage("launch 4 (row decode-b1): ncu timed rmsnorm_f16, the row launched awq_gemv_f16");
        assertThatThrownBy(() -> StepProfileTable.readSteps(List.of("step x launches 2 wall-ms 1.0", "launched a")))
                .hasMessageContaining("step x: 2 launches");
        assertThatThrownBy(() -> StepProfileTable.readSteps(List.of("nothing here")))
                .hasMessageContaining("no \"step NAME");
        assertThatThrownBy(() -> StepProfileTable.readNcu(List.of("\"ID\",\"Name\"", "\"1\",\"x\"")))
                .hasMessageContaining("Kernel Name");
    }
}
