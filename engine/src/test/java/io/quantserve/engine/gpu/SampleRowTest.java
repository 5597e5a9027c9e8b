package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.sampling.SamplingParams;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class SampleRowTest {

    @Test
    void shouldPackRowsAsTheKernelReadsThem() {
        SampleRow a = new SampleRow(0.25, 0.7f, 0.9f, 0.05f, 40);
        SampleRow b = SampleRow.of(SamplingParams.defaults().withTemperature(0).withTopK(-1), 0.5);
        byte[] packed = SampleRow.pack(List.of(a, b));
        assertThat(packed).hasSize(2 * SampleRow.BYTES);
        ByteBuffer in = ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(in.getDouble()).isEqualTo(0.25);
        assertThat(in.getFloat()).isEqualTo(0.7f);
        assertThat(in.getFloat()).isEqualTo(0.9f);
        assertThat(in.getFloat()).isEqualTo(0.05f);
        assertThat(in.getInt()).isEqualTo(40);
        assertThat(in.getDouble()).isEqualTo(0.5);
        assertThat(in.getFloat()).isZero();
    }

    @Test
    void shouldRejectParametersTheKernelCannotUse() {
        assertThatThrownBy(() -> new SampleRow(1.0, 1f, 1f, 0f, 0)).hasMessage("u must be in [0, 1), is 1.0");
        assertThatThrownBy(() -> new SampleRow(0.5, Float.NaN, 1f, 0f, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SampleRow(0.5, 1f, 0f, 0f, 0)).hasMessage("top_p must be in (0, 1], is 0.0");
        assertThatThrownBy(() -> new SampleRow(0.5, 1f, 1f, 1.5f, 0)).hasMessageContaining("min_p");
        assertThatThrownBy(() -> new SampleRow(0.5, 1f, 1f, 0f, -2)).hasMessageContaining("top_k");
    }

    @Test
    void shouldShapeOneBlockPerRowAndNameTheKernelInErrors() {
        assertThat(GpuSampling.shape(64)).isEqualTo(LaunchShape.of(64, 512));
        assertThat(GpuSampling.workspaceBytes(64, 32000)).isEqualTo(4L * 64 * 32000);
        assertThatThrownBy(() -> GpuSampling.spec("f64")).hasMessageContaining("'f64' is not one of [f32, f16, bf16]");
        assertThatThrownBy(() -> GpuSampling.check(GpuSampling.spec("f16"), 0, 32000))
                .hasMessage("sample_f16: no rows to sample");
        assertThatThrownBy(() -> GpuSampling.check(GpuSampling.spec("f32"), 2, 0))
                .hasMessage("sample_f32: vocabulary size n must be at least 1, is 0");
    }
}
