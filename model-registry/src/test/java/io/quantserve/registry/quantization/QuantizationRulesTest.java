package io.quantserve.registry.quantization;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.registry.web.InvalidRequestException.FieldProblem;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuantizationRulesTest {

    @Test
    void shouldRejectAnUnknownMethodNamingTheField() {
        assertThat(QuantizationRules.check("int3", 4, 128, null).problems()).extracting(FieldProblem::field)
                .containsExactly("method");
    }

    @Test
    void shouldRejectBitsTheMethodDoesNotSupport() {
        assertThat(QuantizationRules.check("awq", 3, 128, null).problems()).extracting(FieldProblem::field)
                .containsExactly("bits");
        assertThat(QuantizationRules.check("nf4", 8, 128, null).problems()).isNotEmpty();
        assertThat(QuantizationRules.check("smoothquant", 4, 128, null).problems()).isNotEmpty();
        assertThat(QuantizationRules.check("gptq", 5, 128, null).problems()).isNotEmpty();
        assertThat(QuantizationRules.check("hqq", 2, 64, null).problems()).isEmpty();
        assertThat(QuantizationRules.check("rtn", 8, -1, null).problems()).isEmpty();
    }

    @Test
    void shouldDefaultBitsAndGroupSizeByMethod() {
        QuantizationRules.Checked smooth = QuantizationRules.check("SmoothQuant", null, null, null);
        assertThat(smooth.problems()).isEmpty();
        assertThat(smooth.method()).isEqualTo("smoothquant");
        assertThat(smooth.bits()).isEqualTo(8);
        assertThat(smooth.groupSize()).isEqualTo(128);
        assertThat(QuantizationRules.check("gguf", null, null, Map.of("gguf_type", "q8_0")).bits()).isEqualTo(8);
    }

    @Test
    void shouldRejectGroupSizesThatAreNotPowersOfTwoFromThirtyTwo() {
        assertThat(QuantizationRules.check("rtn", 4, 16, null).problems()).extracting(FieldProblem::field)
                .containsExactly("groupSize");
        assertThat(QuantizationRules.check("rtn", 4, 96, null).problems()).isNotEmpty();
        assertThat(QuantizationRules.check("rtn", 4, 0, null).problems()).isNotEmpty();
        assertThat(QuantizationRules.check("rtn", 4, -2, null).problems()).isNotEmpty();
    }

    @Test
    void shouldRejectGroupSizeThatDoesNotDivideTheHiddenSize() {
        assertThat(QuantizationRules.checkDivides("awq", 128, 64)).isNotNull()
                .extracting(FieldProblem::message).asString().contains("hidden_size 64");
        assertThat(QuantizationRules.checkDivides("awq", 32, 64)).isNull();
        assertThat(QuantizationRules.checkDivides("awq", -1, 64)).isNull();
        assertThat(QuantizationRules.checkDivides("gguf", 128, 64)).isNull();
    }

    @Test
    void shouldRejectUnknownOptionsAndBadOptionValuesNamingThem() {
        var problems = QuantizationRules.check("gguf", null, 128, Map.of("gguf_type", "q3_x", "colour", "red",
                "sym", "maybe", "samples", 0, "alpha", 2)).problems();
        assertThat(problems).extracting(FieldProblem::field).containsExactlyInAnyOrder("options.gguf_type",
                "options.colour", "options.sym", "options.samples", "options.alpha");
    }

    @Test
    void shouldKeepValidOptionsAsStrings() {
        var checked = QuantizationRules.check("gptq", 4, 128, Map.of("sym", true, "desc_act", "false", "seed", 7));
        assertThat(checked.problems()).isEmpty();
        assertThat(checked.options()).containsEntry("sym", "true").containsEntry("desc_act", "false")
                .containsEntry("seed", "7");
    }
}
