package io.quantserve.worker.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.contracts.quantization.QuantizationJobMessage;
import io.quantserve.engine.quant.Method;
import io.quantserve.engine.quant.QuantizeOptions;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobOptionsTest {

    private static QuantizationJobMessage job(String method, int bits, int group, Map<String, String> options) {
        return new QuantizationJobMessage(QuantizationJobMessage.TYPE, "j1", 1, 1, Instant.now(), "m1", "model",
                "models/m1/", method, bits, group, options, null, "a1");
    }

    @Test
    void shouldStartFromTheMethodDefaultsAndApplyEveryOption() {
        QuantizeOptions o = JobOptions.from(job("gptq", 3, 64, Map.of("sym", "true", "desc_act", "TRUE",
                "samples", "16", "seq_len", "128", "seed", "42")));
        QuantizeOptions d = QuantizeOptions.defaults(Method.GPTQ, 3);
        assertThat(o).isEqualTo(new QuantizeOptions(Method.GPTQ, 3, 64, true, true, d.alpha(), d.ggufType(), 16, 128,
                42, d.searchTokens()));
    }

    @Test
    void shouldKeepDefaultsWhenNoOptionsAreGiven() {
        assertThat(JobOptions.from(job("awq", 4, 128, null))).isEqualTo(QuantizeOptions.defaults(Method.AWQ, 4));
    }

    @Test
    void shouldReadSmoothQuantAlphaAndGgufType() {
        assertThat(JobOptions.from(job("smoothquant", 8, -1, Map.of("alpha", "0.75"))).alpha()).isEqualTo(0.75f);
        assertThat(JobOptions.from(job("gguf", 4, -1, Map.of("gguf_type", "q8_0"))).ggufType()).isEqualTo("q8_0");
    }

    @Test
    void shouldRejectUnknownOptionByName() {
        assertThatThrownBy(() -> JobOptions.from(job("rtn", 4, 128, Map.of("sym_metric", "true"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sym_metric");
    }

    @Test
    void shouldRejectValuesThatAreNotOfTheOptionsType() {
        assertThatThrownBy(() -> JobOptions.from(job("rtn", 4, 128, Map.of("sym", "yes"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sym");
        assertThatThrownBy(() -> JobOptions.from(job("awq", 4, 128, Map.of("samples", "many"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("samples");
        assertThatThrownBy(() -> JobOptions.from(job("awq", 4, 128, Map.of("seq_len", "99999999999"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seq_len");
    }

    @Test
    void shouldRejectInvalidCombinationsThroughTheEngineRules() {
        assertThatThrownBy(() -> JobOptions.from(job("awq", 8, 128, Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("awq");
        assertThatThrownBy(() -> JobOptions.from(job("rtn", 4, 0, Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group-size");
        assertThatThrownBy(() -> JobOptions.from(job("zip", 4, 128, Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown method 'zip'");
    }

    @Test
    void shouldRejectAMessageWithoutItsRequiredFields() {
        assertThatThrownBy(() -> JobOptions.from(job(null, 4, 128, Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("method");
    }
}
