package io.quantserve.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The quantization pipeline on stories260K (trained weights): calibration lines 1-12, evaluation lines 13-24. */
class QuantizationTest {
    static Path stories;
    static Path calib;
    static List<int[]> eval = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void data(@TempDir Path shared) throws Exception {
        stories = Fixtures.model("stories260K");
        List<String> lines = Files.readAllLines(stories.resolve("samples.txt"));
        calib = shared.resolve("calib.txt");
        Files.write(calib, lines.subList(0, 12));
        for (String line : lines.subList(12, 24)) {
            eval.add(Arrays.stream(line.strip().split("\\s+")).mapToInt(Integer::parseInt).toArray());
        }
    }

    private double quantizeAndScore(Method method, int bits) throws Exception {
        QuantizeOptions o = new QuantizeOptions(method, bits, -1, false, false, 0.5f, "q4_k_m", 128, 512, 0, 4096);
        Path out = dir.resolve(method.id() + bits);
        Quantization.run(stories, o, calib, out, (l, n, p) -> { }, () -> false);
        return AccuracyStudy.perplexity(out, eval);
    }

    @Test
    void awqAndGptqBeatRoundToNearestAtFourBitsPerChannel() throws Exception {
        double rtn = quantizeAndScore(Method.RTN, 4);
        double awq = quantizeAndScore(Method.AWQ, 4);
        double gptq = quantizeAndScore(Method.GPTQ, 4);
        assertThat(rtn).isGreaterThan(3.48); // the float model's perplexity
        assertThat(awq).isLessThan(rtn);
        assertThat(gptq).isLessThan(rtn);
    }

    @Test
    void awqAndGptqBeatRoundToNearestAtThreeBits() throws Exception {
        double rtn = quantizeAndScore(Method.RTN, 3);
        assertThat(quantizeAndScore(Method.AWQ, 3)).isLessThan(rtn);
        assertThat(quantizeAndScore(Method.GPTQ, 3)).isLessThan(rtn);
    }

    @Test
    void outputIsACompleteCheckpointWithConfigAndReport() throws Exception {
        Path out = dir.resolve("gptq");
        List<String> phases = new ArrayList<>();
        QuantizationReport report = Quantization.run(stories, QuantizeOptions.defaults(Method.GPTQ, 4).withGroupSize(-1),
                calib, out, (layer, layers, phase) -> phases.add(layer + "/" + layers + " " + phase), () -> false);

        assertThat(Files.list(dir)).containsExactly(out); // the temporary folder is gone
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertThat(config.get("quantization_config").get("quant_method").asString()).isEqualTo("gptq");
        // 172 is padded with zero channels to a multiple of 32 so the packed layout holds it
        assertThat(config.get("intermediate_size").asInt()).isEqualTo(192);
        JsonNode json = new ObjectMapper().readTree(out.resolve("quantization_report.json").toFile());
        assertThat(json.get("method").asString()).isEqualTo("gptq");
        assertThat(json.get("layers")).hasSize(5);
        assertThat(json.get("layers").get(0).get("self_attn.q_proj").asDouble()).isBetween(0.0, 0.5);
        assertThat(json.get("peak_memory_bytes").asLong()).isPositive();
        assertThat(json.get("calibration").get("self_generated").asBoolean()).isFalse();
        assertThat(json.get("calibration").get("seconds").asDouble()).isPositive()
                .isLessThan(json.get("seconds").asDouble());
        assertThat(report.paddedIntermediateSize()).isEqualTo(192);
        assertThat(phases).contains("0/5 gptq", "4/5 gptq", "5/5 write");
        try (LoadedModel loaded = LoadedModel.open(out)) {
            assertThat(loaded.config().intermediateSize()).isEqualTo(192);
        }
    }

    @Test
    void withoutCalibrationDataTheModelSamplesItsOwnAndTheReportSaysSo() throws Exception {
        QuantizeOptions o = new QuantizeOptions(Method.AWQ, 4, -1, false, false, 0.5f, "q4_k_m", 4, 64, 7, 4096);
        QuantizationReport report = Quantization.run(stories, o, null, dir.resolve("awq"), (l, n, p) -> { }, () -> false);
        assertThat(report.calibration().selfGenerated()).isTrue();
        assertThat(report.calibration().tokens()).isEqualTo(4 * 64);
        assertThat(report.calibration().source()).contains("sampled from the model");
        assertThat(report.calibration().seconds()).isPositive().isLessThan(report.seconds());
    }

    @Test
    void cancellationStopsBetweenLayersAndLeavesNothing() throws Exception {
        int[] checks = {0};
        assertThatThrownBy(() -> Quantization.run(stories, QuantizeOptions.defaults(Method.RTN, 4).withGroupSize(-1),
                calib, dir.resolve("rtn"), (l, n, p) -> { }, () -> ++checks[0] > 2))
                .isInstanceOf(CancellationException.class).hasMessageContaining("layer 2");
        assertThat(Files.list(dir)).isEmpty();
    }

    @Test
    void cancellationStopsSamplingCalibrationDataAndLeavesNothing() {
        // 40 sequences of 64 tokens: the first 32 finish after 64 steps, the cancellation comes before the last 8 do
        QuantizeOptions o = new QuantizeOptions(Method.AWQ, 4, -1, false, false, 0.5f, "q4_k_m", 40, 64, 0, 4096);
        List<String> phases = new ArrayList<>();
        int[] checks = {0};
        assertThatThrownBy(() -> Quantization.run(stories, o, null, dir.resolve("awq"), (l, n, p) -> phases.add(p),
                () -> ++checks[0] > 100)).isInstanceOf(CancellationException.class)
                .hasMessageContaining("sampling calibration data");
        assertThat(phases).isNotEmpty().containsOnly("calibrate");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void existingOutputIsNeverOverwritten() throws Exception {
        Path out = Files.createDirectories(dir.resolve("taken"));
        assertThatThrownBy(() -> Quantization.run(stories, QuantizeOptions.defaults(Method.RTN, 4), calib, out,
                (l, n, p) -> { }, () -> false)).hasMessageContaining("already exists");
    }

    @Test
    void groupSizeThatCannotHoldTheHiddenSizeIsRefusedByName() {
        QuantizeOptions o = new QuantizeOptions(Method.GPTQ, 4, 128, false, false, 0.5f, "q4_k_m", 128, 512, 0, 4096);
        assertThatThrownBy(() -> Quantization.run(stories, o, calib, dir.resolve("x"), (l, n, p) -> { }, () -> false))
                .hasMessageContaining("hidden_size 64");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void everyMethodWritesAModelThePerplexityCommandCanLoad() throws Exception {
        for (Method m : List.of(Method.HQQ, Method.NF4, Method.SMOOTHQUANT, Method.GGUF)) {
            QuantizeOptions d = QuantizeOptions.defaults(m, m == Method.SMOOTHQUANT ? 8 : 4);
            QuantizeOptions o = new QuantizeOptions(m, d.bits(), m == Method.NF4 ? 64 : -1, false, false, 0.5f,
                    "q8_0", 128, 512, 0, 4096);
            Path out = dir.resolve(m.id());
            Quantization.run(stories, o, calib, out, (l, n, p) -> { }, () -> false);
            assertThat(AccuracyStudy.perplexity(out, eval)).as(m.id()).isBetween(3.4, 4.5);
        }
    }

    @Test
    void badOptionsAreRefusedWithTheirName() {
        assertThatThrownBy(() -> QuantizeOptions.defaults(Method.AWQ, 8)).hasMessageContaining("awq");
        assertThatThrownBy(() -> QuantizeOptions.defaults(Method.RTN, 5)).hasMessageContaining("--bits");
        assertThatThrownBy(() -> Method.parse("magic")).hasMessageContaining("magic");
    }
}
