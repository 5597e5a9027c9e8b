package io.quantserve.engine.quant;

import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.model.GgufExporter;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * One quantization run, start to finish: calibration data, layer-by-layer quantization, the checkpoint in the
 * method's format and {@code quantization_report.json}, written into a temporary folder beside {@code out} and
 * renamed into place only when complete, so no half-written output is ever visible.
 */
public final class Quantization {
    private static final ObjectMapper REPORT_JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    /** Calibration-free methods still measure each layer's output error, on a small sampled set. */
    private static final int REPORT_SAMPLES = 4;

    private Quantization() {
    }

    /**
     * @param calibrationFile token ids, text or JSONL; null to sample calibration data from the model
     */
    public static QuantizationReport run(Path modelDir, QuantizeOptions options, Path calibrationFile, Path out,
            LayerwiseQuantizer.Progress progress, BooleanSupplier cancelled) throws IOException {
        if (Files.exists(out)) {
            throw new FileAlreadyExistsException(out + ": output already exists");
        }
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempDirectory(parent, "." + out.getFileName() + ".tmp");
        long start = System.nanoTime();
        try {
            QuantizationReport report = options.method() == Method.GGUF
                    ? gguf(modelDir, options, temp, start)
                    : layerwise(modelDir, options, calibrationFile, temp, progress, cancelled, start);
            REPORT_JSON.writerWithDefaultPrettyPrinter().writeValue(temp.resolve("quantization_report.json").toFile(), report);
            Files.move(temp, out, StandardCopyOption.ATOMIC_MOVE);
            return report;
        } finally {
            deleteRecursively(temp);
        }
    }

    private static QuantizationReport layerwise(Path modelDir, QuantizeOptions o, Path calibrationFile, Path temp,
            LayerwiseQuantizer.Progress progress, BooleanSupplier cancelled, long start) throws IOException {
        ModelConfig config = ModelConfig.load(modelDir);
        int intermediate = Padding.intermediateSize(config, o);
        long calibrationStart = System.nanoTime();
        CalibrationSet calibration = calibration(modelDir, o, calibrationFile, progress, cancelled);
        double calibrationSeconds = (System.nanoTime() - calibrationStart) / 1e9;
        List<Map<String, Double>> errors = new ArrayList<>();
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            ArtifactWriter writer = new ArtifactWriter(modelDir, config, checkpoint, o, intermediate);
            new LayerwiseQuantizer(config, checkpoint, o, intermediate).run(calibration, progress, cancelled, layer -> {
                writer.add(layer);
                Map<String, Double> layerErrors = new LinkedHashMap<>();
                layer.linears().values().forEach(l -> layerErrors.put(shortName(l.name()), l.error()));
                errors.add(layerErrors);
            });
            progress.update(config.numLayers(), config.numLayers(), "write");
            writer.write(temp);
        }
        return report(o, modelDir, calibration, calibrationSeconds,
                intermediate != config.intermediateSize() ? intermediate : null, errors, start, temp);
    }

    private static QuantizationReport gguf(Path modelDir, QuantizeOptions o, Path temp, long start) throws IOException {
        GgufExporter.Recipe recipe;
        try {
            recipe = GgufExporter.Recipe.valueOf(o.ggufType().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--gguf-type: unknown type '" + o.ggufType()
                    + "' (f32, f16, bf16, q8_0, q4_0, q6_k, q4_k_m)");
        }
        GgufExporter.export(modelDir, temp.resolve("model.gguf"), recipe);
        return report(o, modelDir, null, 0, null, List.of(), start, temp);
    }

    /** The calibration data: the given file, else sampled from the model (a few sequences when only for the report). */
    private static CalibrationSet calibration(Path modelDir, QuantizeOptions o, Path file,
            LayerwiseQuantizer.Progress progress, BooleanSupplier cancelled) throws IOException {
        try (LoadedModel model = LoadedModel.open(modelDir)) {
            if (file != null) {
                return CalibrationSet.read(file, model.tokenizer().orElse(null), o.samples(), o.seqLen());
            }
            int samples = o.method().needsCalibration() ? o.samples() : Math.min(o.samples(), REPORT_SAMPLES);
            int seqLen = Math.min(o.seqLen(), model.config().maxPositions());
            return CalibrationSet.sampled(model.model(), model.config().bosTokenId(), samples, seqLen, o.seed(),
                    progress, cancelled);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static QuantizationReport report(QuantizeOptions o, Path modelDir, CalibrationSet calibration,
            double calibrationSeconds, Integer padded, List<Map<String, Double>> errors, long start, Path dir)
            throws IOException {
        QuantizationReport.Calibration c = calibration == null ? null : new QuantizationReport.Calibration(
                calibration.source(), calibration.sequences().size(), o.seqLen(), calibration.tokens(),
                calibration.selfGenerated(), calibrationSeconds);
        return new QuantizationReport(o.method().id(), o.method().format(), o.bits(), o.groupSize(), o.symmetric(),
                o.descAct(), o.method() == Method.SMOOTHQUANT ? o.alpha() : null,
                o.method() == Method.GGUF ? o.ggufType() : null, modelDir.toString(), c, padded, errors,
                (System.nanoTime() - start) / 1e9, PeakMemory.bytes(), sizeOf(dir));
    }

    private static String shortName(String name) {
        return name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
    }

    static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /** Removes a folder and everything in it; nothing when it does not exist. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
