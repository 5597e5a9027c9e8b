package io.quantserve.engine.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.testing.MapSource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.ObjectMapper;

/** Each malformed AWQ/GPTQ config or layer fails with a message naming the layer and the field. */
class AwqGptqConfigErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String P = "model.layers.3.self_attn.q_proj";

    @TempDir
    Path tmp;

    private static QuantizationConfig parse(String json) {
        return QuantizationConfigs.parse(JSON.readTree(json));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{'quant_method':'awq','bits':4,'group_size':128,'version':'gemv'} | version 'gemv' is not supported (only gemm)",
        "{'quant_method':'awq','bits':4,'group_size':128,'version':'marlin'} | version 'marlin' is not supported",
        "{'quant_method':'awq','bits':3,'group_size':128} | bits 3 is not supported (AWQ gemm is 4-bit)",
        "{'quant_method':'awq','bits':4,'group_size':128,'zero_point':false} | zero_point false is not supported",
        "{'quant_method':'awq','bits':4} | missing field 'group_size'",
        "{'quant_method':'gptq','bits':3,'group_size':128} | bits 3 is not supported (2, 4 or 8)",
        "{'quant_method':'gptq','bits':'four','group_size':128} | field 'bits' must be an integer",
        "{'quant_method':'gptq','bits':4,'group_size':0} | group_size 0 is not supported",
        "{'quant_method':'gptq','bits':4,'group_size':128,'checkpoint_format':'marlin'} | checkpoint_format 'marlin' is not supported",
        "{'quant_method':'gptq','bits':4,'group_size':128,'desc_act':'yes'} | field 'desc_act' must be true or false"})
    void badConfigIsRejectedNamingTheField(String json, String message) {
        assertThatThrownBy(() -> parse(json.replace('\'', '"')))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void configsAreReadFromConfigJsonOrQuantizeConfigJson() throws Exception {
        Files.writeString(tmp.resolve("config.json"), "{\"quantization_config\": {\"quant_method\": \"awq\", \"bits\": 4,"
                + " \"group_size\": 64, \"zero_point\": true, \"version\": \"GEMM\", \"modules_to_not_convert\": [\"visual\"]}}");
        assertThat(QuantizationConfigs.load(tmp)).isEqualTo(new AwqConfig(64, java.util.List.of("visual")));

        Files.writeString(tmp.resolve("config.json"), "{}");
        Files.writeString(tmp.resolve("quantize_config.json"),
                "{\"bits\": 8, \"group_size\": -1, \"desc_act\": true, \"sym\": false}");
        assertThat(QuantizationConfigs.load(tmp)).isEqualTo(new GptqConfig(8, -1, true, false, false, false));

        Files.writeString(tmp.resolve("quantize_config.json"), "{\"bits\": 5, \"group_size\": 128}");
        assertThatThrownBy(() -> QuantizationConfigs.load(tmp))
                .hasMessageContaining("quantize_config.json: quantization_config: bits 5 is not supported");
    }

    @Test
    void groupSizeThatDoesNotDivideInFeaturesNamesTheLayer() {
        assertThatThrownBy(() -> new GptqConfig(4, 100, false, true, false, false).load(new MapSource(), P, 64, 64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(P + ": group_size 100 does not divide in_features 64");
        assertThatThrownBy(() -> new AwqConfig(48, java.util.List.of()).load(new MapSource(), P, 64, 64))
                .hasMessage(P + ": group_size 48 does not divide in_features 64");
    }

    @Test
    void widthsThatDoNotFillWholeWordsAreRejected() {
        assertThatThrownBy(() -> new GptqConfig(4, -1, false, true, false, false).load(new MapSource(), P, 172, 64))
                .hasMessage(P + ": in_features 172 is not a multiple of 8 (4-bit values per int32 of qweight)");
        assertThatThrownBy(() -> new GptqConfig(2, -1, false, true, false, false).load(new MapSource(), P, 64, 72))
                .hasMessage(P + ": out_features 72 is not a multiple of 16 (2-bit values per int32 of qzeros)");
        assertThatThrownBy(() -> new AwqConfig(-1, java.util.List.of()).load(new MapSource(), P, 64, 172))
                .hasMessage(P + ": out_features 172 is not a multiple of 8 (4-bit values per int32 of qweight)");
    }

    @Test
    void qweightShapeInconsistentWithConfigNamesLayerAndField() {
        // a 4-bit layer read with an 8-bit config: qweight has half the rows the config expects
        MapSource src = gptq4(64, 32, 32);
        assertThatThrownBy(() -> new GptqConfig(8, 32, false, true, false, false).load(src, P, 64, 32))
                .hasMessage(P + ": qweight has shape [8, 32], expected [16, 32]");
        assertThatThrownBy(() -> new GptqConfig(4, 16, false, true, false, false).load(src, P, 64, 32))
                .hasMessage(P + ": qzeros has shape [2, 4], expected [4, 4]");
        MapSource awq = new MapSource().ints(P + ".qweight", new long[] {64, 8}, new int[64 * 8]);
        assertThatThrownBy(() -> new AwqConfig(32, java.util.List.of()).load(awq, P, 64, 32))
                .hasMessage(P + ": qweight has shape [64, 8], expected [64, 4]");
        MapSource floatQweight = new MapSource().floats(P + ".qweight", new long[] {8, 32}, new float[8 * 32]);
        assertThatThrownBy(() -> new GptqConfig(4, 32, false, true, false, false).load(floatQweight, P, 64, 32))
                .hasMessage(P + ": qweight must be I32, is F32");
    }

    @Test
    void descActWithoutGIdxAndGIdxOutOfRangeAreRejected() {
        MapSource src = gptq4(64, 32, 32).remove(P + ".g_idx");
        assertThatThrownBy(() -> new GptqConfig(4, 32, true, true, false, false).load(src, P, 64, 32))
                .hasMessage(P + ": desc_act is true but g_idx is missing");
        // without desc_act a missing g_idx means k / group_size (older AutoGPTQ checkpoints)
        assertThat(new GptqConfig(4, 32, false, true, false, false).load(src, P, 64, 32)).isInstanceOf(GroupIntLinear.class);

        int[] bad = new int[64];
        bad[10] = 2;
        src.ints(P + ".g_idx", new long[] {64}, bad);
        assertThatThrownBy(() -> new GptqConfig(4, 32, true, true, false, false).load(src, P, 64, 32))
                .hasMessage(P + ": g_idx[10] = 2 is outside [0, 2)");
    }

    @Test
    void missingTensorIsNamed() {
        MapSource src = gptq4(64, 32, 32).remove(P + ".scales");
        assertThatThrownBy(() -> new GptqConfig(4, 32, false, true, false, false).load(src, P, 64, 32))
                .hasMessageContaining("missing tensor '" + P + ".scales'");
    }

    @Test
    void lmHeadAndModulesToNotConvertStayFloat() {
        AwqConfig awq = new AwqConfig(128, java.util.List.of("mlp.gate"));
        assertThat(awq.linearMethod("lm_head")).isSameAs(Unquantized.INSTANCE);
        assertThat(awq.linearMethod("model.layers.0.mlp.gate_proj")).isSameAs(Unquantized.INSTANCE);
        assertThat(awq.linearMethod("model.layers.0.mlp.up_proj")).isSameAs(awq);
        GptqConfig gptq = new GptqConfig(4, 128, false, true, false, false);
        assertThat(gptq.linearMethod("lm_head")).isSameAs(Unquantized.INSTANCE);
        GptqConfig withHead = new GptqConfig(4, 128, false, true, false, true);
        assertThat(withHead.linearMethod("lm_head")).isSameAs(withHead);
    }

    /** A well-formed zero-valued 4-bit GPTQ layer [out, in] with the given group width. */
    private static MapSource gptq4(int in, int out, int group) {
        int groups = in / group;
        int[] gIdx = new int[in];
        for (int k = 0; k < in; k++) {
            gIdx[k] = k / group;
        }
        return new MapSource()
                .ints(P + ".qweight", new long[] {in / 8, out}, new int[in / 8 * out])
                .ints(P + ".qzeros", new long[] {groups, out / 8}, new int[groups * out / 8])
                .put(P + ".scales", DType.F16, new long[] {groups, out}, new byte[groups * out * 2])
                .ints(P + ".g_idx", new long[] {in}, gIdx);
    }
}
