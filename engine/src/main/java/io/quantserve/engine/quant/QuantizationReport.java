package io.quantserve.engine.quant;

import java.util.List;
import java.util.Map;

/**
 * {@code quantization_report.json}: what was done, how well each layer kept its outputs, and what it cost.
 *
 * @param layers per decoder layer, per linear: relative output error ‖WX − ŴX‖/‖WX‖ on calibration inputs
 * @param peakMemoryBytes the process's peak resident memory while quantizing
 */
public record QuantizationReport(
        String method,
        String format,
        int bits,
        int groupSize,
        boolean symmetric,
        boolean descAct,
        Float alpha,
        String ggufType,
        String sourceModel,
        Calibration calibration,
        Integer paddedIntermediateSize,
        List<Map<String, Double>> layers,
        double seconds,
        long peakMemoryBytes,
        long sizeBytes) {

    /**
     * @param selfGenerated no data was given: the sequences were sampled from the model itself
     * @param seconds       reading and tokenizing the data, or sampling it (part of the report's {@code seconds})
     */
    public record Calibration(String source, int samples, int seqLen, int tokens, boolean selfGenerated,
            double seconds) {
    }

    public double meanLayerError() {
        return layers.stream().flatMap(m -> m.values().stream()).mapToDouble(Double::doubleValue).average().orElse(0);
    }
}
