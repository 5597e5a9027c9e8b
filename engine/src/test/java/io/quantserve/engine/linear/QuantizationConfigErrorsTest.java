package io.quantserve.engine.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.linear.bnb.Nf4Config;
import io.quantserve.engine.linear.compressed.CompressedTensorsConfig;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** quantization_config sections for bitsandbytes and compressed-tensors: accepted, and refused with a reason. */
class QuantizationConfigErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static QuantizationConfig parse(String json) {
        return QuantizationConfigs.parse(JSON.readTree(json));
    }

    @Test
    void bitsandbytesNf4IsAcceptedAndSkipsListedModules() {
        QuantizationConfig c = parse("""
                {"quant_method": "bitsandbytes", "_load_in_4bit": true, "bnb_4bit_quant_type": "nf4",
                 "llm_int8_skip_modules": ["mlp.down_proj", "lm_head"]}""");
        assertThat(c).isInstanceOf(Nf4Config.class);
        assertThat(c.linearMethod("model.layers.0.mlp.down_proj")).isSameAs(Unquantized.INSTANCE);
        assertThat(c.linearMethod("lm_head")).isSameAs(Unquantized.INSTANCE);
        assertThat(c.linearMethod("model.layers.0.mlp.up_proj")).isSameAs(c);
    }

    @Test
    void bitsandbytesRefusesFp4Int8AndMissing4bit() {
        assertThatThrownBy(() -> parse("""
                {"quant_method": "bitsandbytes", "load_in_4bit": true, "bnb_4bit_quant_type": "fp4"}"""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bnb_4bit_quant_type 'fp4'");
        assertThatThrownBy(() -> parse("""
                {"quant_method": "bitsandbytes", "load_in_4bit": true}"""))
                .hasMessageContaining("'fp4'"); // transformers' default type
        assertThatThrownBy(() -> parse("""
                {"quant_method": "bitsandbytes", "load_in_8bit": true}"""))
                .hasMessageContaining("load_in_8bit");
        assertThatThrownBy(() -> parse("""
                {"quant_method": "bitsandbytes", "bnb_4bit_quant_type": "nf4"}"""))
                .hasMessageContaining("load_in_4bit");
    }

    @Test
    void compressedTensorsW8A8IsAcceptedWithVllmMatching() {
        QuantizationConfig c = parse(W8A8Packer.CONFIG.replace("\"ignore\": [\"lm_head\"]",
                "\"ignore\": [\"lm_head\", \"re:.*layers\\\\.1\\\\..*\"]"));
        assertThat(c).isInstanceOf(CompressedTensorsConfig.class);
        assertThat(c.linearMethod("lm_head")).isSameAs(Unquantized.INSTANCE);
        assertThat(c.linearMethod("model.layers.1.mlp.up_proj")).isSameAs(Unquantized.INSTANCE);
        assertThat(c.linearMethod("model.layers.0.mlp.up_proj")).isNotSameAs(Unquantized.INSTANCE);
    }

    @Test
    void compressedTensorsRefusesOtherSchemesByName() {
        String w4a16 = """
                {"quant_method": "compressed-tensors", "format": "pack-quantized",
                 "config_groups": {"group_0": {"targets": ["Linear"],
                   "weights": {"num_bits": 4, "type": "int", "symmetric": true, "strategy": "group", "group_size": 128}}}}""";
        assertThatThrownBy(() -> parse(w4a16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("group_0").hasMessageContaining("W4A16 int weights group (group_size 128)");
        String fp8 = W8A8Packer.CONFIG.replace("\"type\": \"int\"", "\"type\": \"float\"");
        assertThatThrownBy(() -> parse(fp8)).hasMessageContaining("W8A8 float weights channel");
        String staticActs = W8A8Packer.CONFIG.replace("\"strategy\": \"token\"", "\"strategy\": \"tensor\"")
                .replace("\"dynamic\": true", "\"dynamic\": false");
        assertThatThrownBy(() -> parse(staticActs)).hasMessageContaining("activations static tensor");
        String packed = W8A8Packer.CONFIG.replace("int-quantized", "pack-quantized");
        assertThatThrownBy(() -> parse(packed)).hasMessageContaining("format 'pack-quantized'");
        assertThatThrownBy(() -> parse("{\"quant_method\": \"compressed-tensors\"}"))
                .hasMessageContaining("config_groups");
    }
}
