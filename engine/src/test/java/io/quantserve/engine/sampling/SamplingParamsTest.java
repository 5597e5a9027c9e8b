package io.quantserve.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class SamplingParamsTest {

    @Test
    void factories() {
        assertThat(SamplingParams.greedy().isGreedy()).isTrue();
        assertThat(SamplingParams.defaults().isGreedy()).isFalse();
        assertThat(SamplingParams.defaults().withSeed(7).seed()).isEqualTo(OptionalLong.of(7));
        assertThat(SamplingParams.defaults().withTopK(-1).topK()).isEqualTo(-1); // disabled, vLLM style
    }

    @Test
    void invalidValuesNameTheParameter() {
        var d = SamplingParams.defaults();
        assertThatThrownBy(() -> d.withTemperature(-0.1f)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("temperature");
        assertThatThrownBy(() -> d.withTemperature(Float.NaN)).hasMessageStartingWith("temperature");
        assertThatThrownBy(() -> d.withTopK(-2)).hasMessageStartingWith("topK");
        assertThatThrownBy(() -> d.withTopP(0f)).hasMessageStartingWith("topP");
        assertThatThrownBy(() -> d.withTopP(1.01f)).hasMessageStartingWith("topP");
        assertThatThrownBy(() -> d.withMinP(-0.01f)).hasMessageStartingWith("minP");
        assertThatThrownBy(() -> d.withMinP(1.5f)).hasMessageStartingWith("minP");
        assertThatThrownBy(() -> d.withRepetitionPenalty(0f)).hasMessageStartingWith("repetitionPenalty");
        assertThatThrownBy(() -> d.withPresencePenalty(2.5f)).hasMessageStartingWith("presencePenalty");
        assertThatThrownBy(() -> d.withFrequencyPenalty(-3f)).hasMessageStartingWith("frequencyPenalty");
        assertThatThrownBy(() -> new SamplingParams(1, 0, 1, 0, 1, 0, 0, null, java.util.Map.of()))
                .hasMessageStartingWith("seed");
        assertThatThrownBy(() -> d.withLogitBias(java.util.Map.of(3, 101f))).hasMessageStartingWith("logitBias");
        assertThatThrownBy(() -> d.withLogitBias(java.util.Map.of(-1, 1f))).hasMessageStartingWith("logitBias");
    }
}
