package io.quantserve.engine.gpu.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.gpu.DeviceTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Every row of {@link GpuBench#smoke} on one tiny shape (one launch a row, a 1 MiB copy and weight rotation): a
 * device run of the bench (gpu/check.sh) must not be the first to find a row that cannot run. The figures mean
 * nothing at this size.
 */
class GpuBenchDeviceTest extends DeviceTest {

    @Test
    void benchRunsEveryKernelRowOnATinyShape() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GpuBench.smoke(device, new int[][] {{256, 64}}).run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("copy D2D 1 MiB", "awq_gemv registers", "copy same bytes", "awq_mma",
                "awq_gemv_tokens1", "awq_gemv_tokens2", "awq_gemv_tokens8", "awq_gemm bm16", "awq_gemm bm64", "awq_dequantize", "awq_deq+gemm",
                "gemm_f16 bm32", "gemm_f16 bm128", "gemm_bf16 bm128");
        assertThat(table.lines().filter(l -> l.contains("256->64")).count()).as("rows of the shape")
                .isEqualTo(2 + 4 + 4 + 5 + 1 + 3 + 2 * 5);
        assertThat(table).as("decode attention, split over the keys, a block a query head and a block two")
                .contains("decode_attn 4/2      ctx 600 x2", "decode_attn_h2 4/2   ctx 600 x2")
                .as("more splits than planned").contains("decode_attn 4/2      ctx 600 x5?");
        assertThat(table).as("prefill attention").contains("prefill simt 4/2     40 tokens", "prefill mma 4/2      40 tokens");
        assertThat(table).doesNotContain("NaN", "Infinity");
    }
}
