package io.quantserve.engine.quant;

import io.quantserve.engine.generate.Perplexity;
import io.quantserve.engine.model.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Runs every quantization method on one model with the same calibration data and scores each output on held-out
 * token sequences: the table behind {@code ./quantserve quant-report}.
 */
public final class AccuracyStudy {

    /** One row: what was run, and how it came out. */
    public record Row(String method, String bits, String group, double perplexity, long sizeBytes, double seconds) {
    }

    private AccuracyStudy() {
    }

    /** The default study: integer methods at 4 and 3 bits with {@code groupSize}, then NF4, W8A8 and GGUF types. */
    public static List<QuantizeOptions> defaultRuns(int groupSize, int samples, int seqLen) {
        List<QuantizeOptions> runs = new ArrayList<>();
        for (int bits : new int[] {4, 3}) {
            for (Method m : List.of(Method.RTN, Method.AWQ, Method.GPTQ, Method.HQQ)) {
                runs.add(with(QuantizeOptions.defaults(m, bits), groupSize, samples, seqLen, null));
            }
        }
        runs.add(with(QuantizeOptions.defaults(Method.NF4, 4), 64, samples, seqLen, null));
        runs.add(with(QuantizeOptions.defaults(Method.SMOOTHQUANT, 8), -1, samples, seqLen, null));
        for (String type : List.of("q8_0", "q4_k_m", "q4_0")) {
            runs.add(with(QuantizeOptions.defaults(Method.GGUF, type.equals("q8_0") ? 8 : 4), 32, samples, seqLen, type));
        }
        return runs;
    }

    private static QuantizeOptions with(QuantizeOptions d, int group, int samples, int seqLen, String ggufType) {
        return new QuantizeOptions(d.method(), d.bits(), group, d.symmetric(), d.descAct(), d.alpha(),
                ggufType != null ? ggufType : d.ggufType(), samples, seqLen, d.seed(), d.searchTokens());
    }

    /** The float model first, then each run, quantized into {@code workDir} and evaluated on {@code eval}. */
    public static List<Row> run(Path modelDir, Path calib, List<int[]> eval, List<QuantizeOptions> runs, Path workDir,
            BooleanSupplier cancelled) throws Exception {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("float (" + dtypeOf(modelDir) + ")", "-", "-", perplexity(modelDir, eval),
                Quantization.sizeOf(modelDir), 0));
        int i = 0;
        for (QuantizeOptions o : runs) {
            Path out = workDir.resolve(String.format(Locale.ROOT, "%02d-%s-%d", i++, o.method().id(), o.bits()));
            QuantizationReport r = Quantization.run(modelDir, o, calib, out, (layer, layers, phase) -> { }, cancelled);
            String method = o.method() == Method.GGUF ? "gguf " + o.ggufType() : o.method() == Method.SMOOTHQUANT
                    ? "smoothquant (w8a8)" : o.method().id();
            String group = switch (o.method()) {
                case GGUF -> "block";
                case NF4 -> "64";
                case SMOOTHQUANT -> "per-channel";
                default -> o.groupSize() == -1 ? "per-channel" : String.valueOf(o.groupSize());
            };
            rows.add(new Row(method, o.method() == Method.GGUF ? "-" : String.valueOf(o.bits()), group,
                    perplexity(out, eval), r.sizeBytes(), r.seconds()));
        }
        return rows;
    }

    /** Geometric mean over sequences of each sequence's perplexity. */
    static double perplexity(Path model, List<int[]> eval) throws Exception {
        try (LoadedModel loaded = LoadedModel.open(model)) {
            double sumLog = 0;
            for (int[] ids : eval) {
                sumLog += Math.log(Perplexity.of(loaded.model(), ids));
            }
            return Math.exp(sumLog / eval.size());
        }
    }

    public static String markdown(List<Row> rows) {
        StringBuilder md = new StringBuilder();
        md.append("| method | bits | group | eval perplexity | size on disk | quantization time |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.4f | %.1f KB | %.1f s |%n", r.method(), r.bits(),
                    r.group(), r.perplexity(), r.sizeBytes() / 1024.0, r.seconds()));
        }
        return md.toString();
    }

    private static String dtypeOf(Path modelDir) throws IOException {
        String config = Files.readString(modelDir.resolve("config.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"torch_dtype\"\\s*:\\s*\"(\\w+)\"").matcher(config);
        return m.find() ? m.group(1) : "float";
    }
}
